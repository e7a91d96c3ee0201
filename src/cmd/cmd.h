/* cmd.h — the subcommands; each takes the arguments after its name. */
#ifndef TM_CMD_H
#define TM_CMD_H
int cmd_serve(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_query(int argc, char **argv);
#endif
