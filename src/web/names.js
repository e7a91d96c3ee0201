// names.js — which host a series belongs to, and the part of its name a
// card shows. A `host` tag says it outright. Graphite senders put the host
// in the path instead: collectd writes collectd.HOST.cpu-0.cpu-idle (or
// HOST.cpu-0.cpu-idle without its prefix), Diamond servers.HOST.cpu.total,
// Telegraf HOST.cpu-total.cpu.usage_idle, carbon carbon.agents.HOST-a.x.
// So a node is the host when it comes right after a namespace those
// senders use, or right before a node naming a well-known metric family
// (cpu, memory, df-root, interface-eth0...). StatsD's stats.* trees and
// names that start with a family (cpu.load) have no host in them.

const NAMESPACES = [['carbon', 'agents'], ['carbon', 'relays'], ['carbon', 'aggregator'], ['collectd'], ['servers'],
  ['hosts'], ['host'], ['netdata'], ['telegraf']];
const FAMILIES = new Set(['cpu', 'memory', 'mem', 'load', 'disk', 'df', 'diskio', 'interface', 'net', 'netstat', 'swap',
  'processes', 'system', 'entropy', 'uptime', 'users', 'vmem', 'irq', 'contextswitch', 'battery', 'thermal', 'sensors']);
const NO_HOST_TREES = new Set(['stats', 'stats_counts', 'statsd']);

const family = node => FAMILIES.has(node.toLowerCase().split(/[-_]/)[0]);

// {host, prefix}: the host (undefined: none) and how much of the metric
// names it (namespace and host nodes, with their dots), for short names
export function hostOf(metric, tags) {
  if (tags && tags.host !== undefined) return { host: tags.host, prefix: '' };
  const nodes = String(metric).split('.');
  if (nodes.length < 3 || NO_HOST_TREES.has(nodes[0].toLowerCase())) return { host: undefined, prefix: '' };
  for (const ns of NAMESPACES) {
    if (nodes.length > ns.length + 1 && ns.every((w, i) => nodes[i].toLowerCase() === w)) {
      return { host: nodes[ns.length], prefix: nodes.slice(0, ns.length + 1).join('.') + '.' };
    }
  }
  const p = nodes.findIndex(family);
  if (p >= 1 && p <= 2) return { host: nodes[p - 1], prefix: nodes.slice(0, p).join('.') + '.' };
  return { host: undefined, prefix: '' };
}

// the name split where a card may cut it: [head, tail], the tail (the last
// node, the part that tells siblings apart) always shown in full
export function shortName(metric, prefix) {
  const rest = prefix && metric.startsWith(prefix) ? metric.slice(prefix.length) : metric;
  const dot = rest.lastIndexOf('.');
  return dot < 0 ? ['', rest] : [rest.slice(0, dot + 1), rest.slice(dot + 1)];
}
