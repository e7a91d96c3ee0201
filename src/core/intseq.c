/* intseq.c — integer streams in three layouts (see intseq.h).
 *
 * A stream is one LSB-first bit stream, zero-padded to a byte at its end.
 * Its first 8 bits say the layout:
 *
 * Blocks (any first byte but 0xc1, 0xc2; chunk format 1 knew only these):
 * blocks of 32 zigzagged values (the last may be short, k < 32), each with
 * an 8-bit header h:
 *   h = w (0..64)          plain: k values of w bits (w = 0: all zero)
 *   h = 65..127            a run of h - 63 all-zero blocks (2..64)
 *   h = 0x80 | w (w 0..64) bitmap: k bits marking the non-zero values,
 *                          then each non-zero value minus one in w bits
 *
 * Range (0xc1): wide(zigzag(lo)), 6 bits k (0..56), k bits of range - 2^k
 * (so 2^k <= range < 2^(k+1)), then every value minus lo in truncated
 * binary over [0, range): with u = 2^(k+1) - range, x < u is k bits of x;
 * otherwise k bits of (x + u) >> 1 (which read as >= u) and its low bit.
 * In blocks of 32 values: the k-bit fields of the block, then the low bits
 * of its fields that read >= u, in order.
 *
 * Sparse (0xc2): wide(zigzag(base)), wide(zigzag(ebase - base)),
 * wide(count), 6 bits kr (0..63), 7 bits we (0..64), then count exceptions
 * in position order, each: the number of base values since the previous
 * one (Rice: q zero bits, a one bit, kr low bits; q <= 40), then
 * zigzag(value - ebase) in we bits. Every other value is base. (A value
 * flipping between two levels has we = 0: its exceptions cost their gaps.)
 *
 * wide(v) is 7 bits of width w (0..64) then w bits of v. Arithmetic wraps
 * modulo 2^64, so every int64 sequence round-trips in every layout. */
#include "intseq.h"

#include <stdlib.h>

enum { BLK = 32, ZRUN_MAX = 64, HDR_BITMAP = 0x80, L_BLOCKS = ISEQ_BLOCKS, L_RANGE = ISEQ_RANGE, L_SPARSE = ISEQ_SPARSE };
enum { RANGE_KMAX = 56, RICE_QMAX = 40 };

void iseq_diff(const int64_t *x, size_t n, int order, uint64_t *d) {
    if (n <= (size_t)order) return;
    size_t m = n - (size_t)order;
    const uint64_t *a = (const uint64_t *)(const void *)x; /* same representation; wrapped arithmetic */
    if (order == 0) {
        for (size_t j = 0; j < m; j++) d[j] = a[j];
    } else if (order == 1) {
        for (size_t j = 0; j < m; j++) d[j] = a[j + 1] - a[j];
    } else {
        for (size_t j = 0; j < m; j++) d[j] = a[j + 2] - 2 * a[j + 1] + a[j];
    }
}

static inline void put_wide(bitw *bw, uint64_t v) {
    unsigned w = bitwidth(v);
    bw_put(bw, w, 7);
    bw_put(bw, v, w);
}

static inline int get_wide(bitr *r, uint64_t *v) {
    if (!br_has(r, 7)) return 0;
    unsigned w = (unsigned)br_get(r, 7);
    if (w > 64 || !br_has(r, w)) return 0;
    *v = br_get64(r, w);
    return 1;
}

/* ---- blocks ---- */

/* Header and cost in bits of the cheaper layout of one block; bits = 0 for
 * an all-zero block, which the caller folds into runs. */
typedef struct {
    unsigned hdr;
    size_t bits;
} blkplan;

static inline blkplan blk_plan(const uint64_t *u, unsigned k) {
    uint64_t any = 0, nzor = 0;
    unsigned nz = 0;
    for (unsigned i = 0; i < k; i++) {
        uint64_t isnz = u[i] != 0;
        any |= u[i];
        nz += (unsigned)isnz;
        nzor |= (u[i] - 1) & (0 - isnz);
    }
    if (!any) return (blkplan){0, 0};
    unsigned w = bitwidth(any), wb = bitwidth(nzor);
    size_t plain = (size_t)k * w, bm = k + (size_t)nz * wb;
    if (bm < plain) return (blkplan){HDR_BITMAP | wb, 8 + bm};
    return (blkplan){w, 8 + plain};
}

static void blk_put(bitw *bw, const uint64_t *u, unsigned k, unsigned hdr) {
    unsigned w = hdr & 0x7f;
    bw_put(bw, hdr, 8);
    if (hdr & HDR_BITMAP) {
        uint64_t bm = 0;
        for (unsigned i = 0; i < k; i++) bm |= (uint64_t)(u[i] != 0) << i;
        bw_put(bw, bm, k);
        for (unsigned i = 0; i < k; i++)
            if (u[i]) bw_put(bw, u[i] - 1, w);
    } else {
        for (unsigned i = 0; i < k; i++) bw_put(bw, u[i], w);
    }
}

static inline void put_zrun(bitw *bw, unsigned zrun) { bw_put(bw, zrun == 1 ? 0 : 63 + zrun, 8); }

static void blocks_put(const uint64_t *d, size_t m, bitw *bw) {
    uint64_t u[BLK];
    unsigned zrun = 0;
    for (size_t i = 0; i < m; i += BLK) {
        unsigned k = m - i < BLK ? (unsigned)(m - i) : BLK;
        for (unsigned j = 0; j < k; j++) u[j] = uzig(d[i + j]);
        blkplan b = blk_plan(u, k);
        if (!b.bits) {
            if (++zrun == ZRUN_MAX) {
                put_zrun(bw, zrun);
                zrun = 0;
            }
            continue;
        }
        if (zrun) put_zrun(bw, zrun);
        zrun = 0;
        blk_put(bw, u, k, b.hdr);
    }
    if (zrun) put_zrun(bw, zrun);
}

/* ---- planning ---- */

/* What one pass over the values tells of every layout's size. */
typedef struct {
    size_t blocks;          /* exact size as blocks, bits */
    int64_t lo, hi;         /* smallest and largest value */
    uint64_t cand;          /* Boyer-Moore: the majority value, if there is one */
    size_t votes;
    size_t nz, lastnz;      /* non-zero values; one past the last */
    uint64_t zor;           /* OR of zigzag(v) */
} istats;

/* One pass; the majority vote only with vote (it pays off for plain
 * values, whose base is rarely zero). */
static inline void stats_of(const uint64_t *d, size_t m, istats *st, int vote) {
    unsigned zrun = 0;
    *st = (istats){.lo = as_s64(d[0]), .hi = as_s64(d[0]), .cand = d[0]};
    for (size_t i = 0; i < m; i += BLK) {
        unsigned k = m - i < BLK ? (unsigned)(m - i) : BLK;
        uint64_t any = 0, nzor = 0;
        unsigned nz = 0;
        for (unsigned j = 0; j < k; j++) {
            uint64_t v = d[i + j], z = uzig(v), isnz = v != 0;
            int64_t sv = as_s64(v);
            st->lo = sv < st->lo ? sv : st->lo;
            st->hi = sv > st->hi ? sv : st->hi;
            if (vote) {
                if (!st->votes) st->cand = v;
                st->votes = st->votes ? st->votes + (v == st->cand ? 1 : (size_t)-1) : 1;
            }
            any |= z;
            nz += (unsigned)isnz;
            nzor |= (z - 1) & (0 - isnz);
            st->lastnz = isnz ? i + j + 1 : st->lastnz;
        }
        st->nz += nz;
        st->zor |= any;
        if (!any) {
            if (++zrun == ZRUN_MAX) st->blocks += 8, zrun = 0;
            continue;
        }
        unsigned w = bitwidth(any), wb = bitwidth(nzor);
        size_t plain = (size_t)k * w, bm = k + (size_t)nz * wb;
        st->blocks += 8 + (bm < plain ? bm : plain) + (zrun ? 8 : 0);
        zrun = 0;
    }
    if (zrun) st->blocks += 8;
}

static void plan_range(size_t m, int64_t lo, int64_t hi, iseq_plan *best) {
    uint64_t range = (uint64_t)hi - (uint64_t)lo + 1;
    if (range == 0 || bitwidth(range) - 1 > RANGE_KMAX) return;
    unsigned k = bitwidth(range) - 1;
    uint64_t u = (2ULL << k) - range;
    /* values spread evenly: the share at or past u takes one bit more */
    size_t longer = (size_t)((double)m * (double)(range - u) / (double)range);
    size_t bits = 8 + 7 + bitwidth(uzig((uint64_t)lo)) + 6 + k + m * k + longer;
    if (bits < best->bits)
        *best = (iseq_plan){.layout = L_RANGE, .bits = bits, .lo = (uint64_t)lo, .k = k, .range = range};
}

/* Sparse around base, c exceptions of width we around ebase, gsum base
 * values before the last one: the Rice parameter from the mean gap. */
static void plan_sparse(uint64_t base, uint64_t ebase, uint64_t c, unsigned we, uint64_t gsum, iseq_plan *best) {
    unsigned kr = c ? bitwidth(gsum / c) : 0;
    kr = kr ? kr - 1 : 0;
    size_t bits = 8 + 7 + bitwidth(uzig(base)) + 7 + bitwidth(uzig(ebase - base)) + 7 + bitwidth(c) + 6 + 7 +
                  (size_t)c * (1 + kr + we) + (size_t)(gsum >> kr);
    if (bits < best->bits)
        *best = (iseq_plan){
            .layout = L_SPARSE, .bits = bits, .base = base, .ebase = ebase, .kr = kr, .we = we, .count = c};
}

/* Exceptions to a base other than zero, around the first of them: one
 * more pass. */
static void plan_sparse_at(const uint64_t *d, size_t m, uint64_t base, iseq_plan *best) {
    uint64_t c = 0, zor = 0, ebase = base;
    size_t last = 0;
    for (size_t i = 0; i < m; i++) {
        if (d[i] == base) continue;
        if (!c) ebase = d[i];
        zor |= uzig(d[i] - ebase);
        last = i + 1;
        c++;
    }
    plan_sparse(base, ebase, c, bitwidth(zor), last - c, best);
}

/* Rice quotients must stay within RICE_QMAX: widen kr for a long gap. */
static void sparse_fit(const uint64_t *d, size_t m, iseq_plan *pl) {
    size_t last = (size_t)-1, gmax = 0;
    for (size_t i = 0; i < m; i++) {
        if (d[i] == pl->base) continue;
        size_t g = i - last - 1;
        gmax = g > gmax ? g : gmax;
        last = i;
    }
    while ((gmax >> pl->kr) > RICE_QMAX) pl->kr++;
}

size_t iseq_plan_for(const uint64_t *d, size_t m, int plain, iseq_plan *pl) {
    if (!m) return *pl = (iseq_plan){.layout = L_BLOCKS}, 0;
    istats st;
    if (plain) stats_of(d, m, &st, 1);
    else stats_of(d, m, &st, 0);
    *pl = (iseq_plan){.layout = L_BLOCKS, .bits = st.blocks};
    if (st.blocks <= 8) return st.blocks; /* all zero: blocks are smallest */
    plan_range(m, st.lo, st.hi, pl);
    plan_sparse(0, 0, st.nz, bitwidth(st.zor), st.lastnz - st.nz, pl);
    if (plain && st.cand && st.votes >= m / 4) plan_sparse_at(d, m, st.cand, pl);
    /* never more than 2048 values a byte, as all-zero blocks: a chunk's
     * size then bounds its count before it is decoded (chunk.c) */
    if (pl->bits < 8 * ((m + 2047) / 2048)) *pl = (iseq_plan){.layout = L_BLOCKS, .bits = st.blocks};
    if (pl->layout == L_SPARSE) sparse_fit(d, m, pl);
    return pl->bits;
}

/* ---- writing ---- */

/* Per block of 32: every value's first k bits, then the last bit of each
 * value that takes k + 1, so a decoder reads fixed-width fields. */
static void range_put(bitw *bw, const uint64_t *d, size_t m, const iseq_plan *pl) {
    unsigned k = pl->k;
    uint64_t u = (2ULL << k) - pl->range;
    put_wide(bw, uzig(pl->lo));
    bw_put(bw, k, 6);
    bw_put(bw, pl->range - (1ULL << k), k);
    for (size_t i = 0; i < m; i += BLK) {
        unsigned n = m - i < BLK ? (unsigned)(m - i) : BLK, ne = 0;
        uint64_t extra = 0;
        for (unsigned j = 0; j < n; j++) {
            uint64_t x = d[i + j] - pl->lo, t = x >= u, y = x + u;
            bw_put(bw, t ? y >> 1 : x, k);
            extra |= (y & t) << ne;
            ne += (unsigned)t;
        }
        bw_put(bw, extra, ne);
    }
}

static void sparse_put(bitw *bw, const uint64_t *d, size_t m, const iseq_plan *pl) {
    put_wide(bw, uzig(pl->base));
    put_wide(bw, uzig(pl->ebase - pl->base));
    put_wide(bw, pl->count);
    bw_put(bw, pl->kr, 6);
    bw_put(bw, pl->we, 7);
    size_t last = (size_t)-1;
    for (size_t i = 0; i < m; i++) {
        if (d[i] == pl->base) continue;
        uint64_t g = i - last - 1;
        last = i;
        unsigned q = (unsigned)(g >> pl->kr);
        bw_put(bw, 1ULL << q, q + 1);
        bw_put(bw, g & lowmask(pl->kr), pl->kr);
        bw_put(bw, uzig(d[i] - pl->ebase), pl->we);
    }
}

void iseq_put(bitw *bw, const uint64_t *d, size_t m, const iseq_plan *pl) {
    if (!m) return;
    if (pl->layout == L_BLOCKS) {
        blocks_put(d, m, bw);
        return;
    }
    bw_put(bw, (uint64_t)pl->layout, 8);
    if (pl->layout == L_RANGE) range_put(bw, d, m, pl);
    else sparse_put(bw, d, m, pl);
}

/* ---- reading ---- */

typedef struct {
    bitr r;
    int layout;
    size_t m, i;    /* values in all; index of the next block */
    unsigned zrun;  /* blocks: all-zero blocks still owed by a run header */
    uint64_t lo, u; /* range */
    unsigned k;
    uint64_t base, ebase, left, next, nextv; /* sparse: exceptions not yet placed, the next one's place and value */
    unsigned kr, we;
    int have; /* sparse: next / nextv hold an exception */
} intdec;

/* Blocks: the next k values; 0 when malformed. */
static int blk_get(intdec *d, uint64_t *s, unsigned k) {
    bitr *r = &d->r;
    if (d->zrun) {
        d->zrun--;
        memset(s, 0, k * sizeof *s);
        return 1;
    }
    if (!br_has(r, 8)) return 0;
    unsigned h = (unsigned)br_get(r, 8), w = h & 0x7f;
    if (w > 64) {
        if (h & HDR_BITMAP) return 0;
        d->zrun = h - 64;
        memset(s, 0, k * sizeof *s);
        return 1;
    }
    if (h & HDR_BITMAP) {
        if (!br_has(r, k)) return 0;
        uint64_t bm = br_get(r, k);
        if (!br_has(r, (size_t)__builtin_popcountll(bm) * w)) return 0;
        for (unsigned i = 0; i < k; i++) s[i] = (bm >> i & 1) ? uunzig(br_get64(r, w) + 1) : 0;
        return 1;
    }
    if (!br_has(r, (size_t)k * w)) return 0;
    if (w <= 57)
        for (unsigned i = 0; i < k; i++) s[i] = uunzig(br_get(r, w));
    else
        for (unsigned i = 0; i < k; i++) s[i] = uunzig(br_get64(r, w));
    return 1;
}

/* Range: the next k values (past the end reads zeros; the caller checks
 * the position once at the end). */
static void range_get(intdec *d, uint64_t *s, unsigned k) {
    bitr *r = &d->r;
    unsigned kk = d->k, ne = 0;
    uint64_t u = d->u, y[BLK];
    for (unsigned j = 0; j < k; j++) {
        y[j] = br_get(r, kk);
        ne += y[j] >= u;
    }
    uint64_t extra = br_get(r, ne);
    for (unsigned j = 0; j < k; j++) { /* branch-free: which fields are long is noise */
        uint64_t t = y[j] >= u, mask = 0 - t, longer = ((y[j] << 1) | (extra & 1)) - u;
        s[j] = d->lo + ((longer & mask) | (y[j] & ~mask));
        extra >>= t;
    }
}

/* Sparse: read the next exception into next / nextv; 0 when malformed. */
static int sparse_next(intdec *d) {
    bitr *r = &d->r;
    if (!d->left) {
        d->have = 0;
        return 1;
    }
    uint64_t x = br_peek(r);
    unsigned q = x ? (unsigned)__builtin_ctzll(x) : 64;
    if (q > RICE_QMAX) return 0; /* also what reading past the end gives */
    r->pos += q + 1;
    if (!br_has(r, d->kr + d->we)) return 0;
    uint64_t g = (uint64_t)q << d->kr | br_get64(r, d->kr);
    uint64_t at = d->have ? d->next + 1 : 0;
    if (g >= d->m - at) return 0; /* past the last value */
    d->next = at + g;
    d->nextv = d->ebase + uunzig(br_get64(r, d->we));
    d->have = 1;
    d->left--;
    return 1;
}

static int sparse_get(intdec *d, uint64_t *s, unsigned k) {
    for (unsigned j = 0; j < k; j++) s[j] = d->base;
    while (d->have && d->next < d->i + k) {
        s[d->next - d->i] = d->nextv;
        if (!sparse_next(d)) return 0;
    }
    return 1;
}

static int dec_start(intdec *d) {
    bitr *r = &d->r;
    if (!br_has(r, 8)) return 0;
    unsigned h = (unsigned)br_get(r, 8);
    if (h != L_RANGE && h != L_SPARSE) {
        r->pos = 0; /* blocks: that byte was the first block's header */
        d->layout = L_BLOCKS;
        return 1;
    }
    d->layout = (int)h;
    uint64_t v;
    if (!get_wide(r, &v)) return 0;
    if (h == L_RANGE) {
        d->lo = uunzig(v);
        if (!br_has(r, 6)) return 0;
        d->k = (unsigned)br_get(r, 6);
        if (d->k > RANGE_KMAX || !br_has(r, d->k)) return 0;
        uint64_t range = (1ULL << d->k) + br_get(r, d->k);
        d->u = (2ULL << d->k) - range;
        return 1;
    }
    d->base = uunzig(v);
    if (!get_wide(r, &v)) return 0;
    d->ebase = d->base + uunzig(v);
    if (!get_wide(r, &d->left) || d->left > d->m || !br_has(r, 13)) return 0;
    d->kr = (unsigned)br_get(r, 6);
    d->we = (unsigned)br_get(r, 7);
    if (d->we > 64) return 0;
    return sparse_next(d);
}

static inline int dec_block(intdec *d, uint64_t *s, unsigned k) {
    if (d->layout == L_BLOCKS) return blk_get(d, s, k);
    if (d->layout == L_RANGE) {
        range_get(d, s, k);
        return 1;
    }
    return sparse_get(d, s, k);
}

const double iseq_p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* Integrate one block; inlined with constant order and output, so each
 * caller's loop has no branch per value. */
static inline void integrate(const uint64_t *s, unsigned k, int order, uint64_t *cur, uint64_t *delta, int64_t *xo,
                             double *vo, double div) {
    uint64_t c = *cur, dl = *delta;
    for (unsigned j = 0; j < k; j++) {
        if (order == 0) c = s[j];
        else if (order == 1) c += s[j];
        else c += (dl += s[j]);
        if (xo) xo[j] = as_s64(c);
        else vo[j] = (double)as_s64(c) / div;
    }
    *cur = c;
    *delta = dl;
}

int iseq_decode(const uint8_t **p, const uint8_t *end, size_t m, int order, uint64_t cur, uint64_t delta,
                int64_t *xo, double *vo, unsigned e) {
    if (!m) return 1;
    intdec d = {.r = {*p, (size_t)(end - *p), 0}, .m = m};
    if (!dec_start(&d)) return 0;
    uint64_t s[BLK];
    double div = iseq_p10[e];
    for (d.i = 0; d.i < m; d.i += BLK) {
        unsigned k = m - d.i < BLK ? (unsigned)(m - d.i) : BLK;
        if (!dec_block(&d, s, k)) return 0;
        int64_t *x = xo ? xo + d.i : NULL;
        double *v = vo ? vo + d.i : NULL;
        switch (order * 2 + !xo) {
        case 0: integrate(s, k, 0, &cur, &delta, x, NULL, div); break;
        case 1: integrate(s, k, 0, &cur, &delta, NULL, v, div); break;
        case 2: integrate(s, k, 1, &cur, &delta, x, NULL, div); break;
        case 3: integrate(s, k, 1, &cur, &delta, NULL, v, div); break;
        case 4: integrate(s, k, 2, &cur, &delta, x, NULL, div); break;
        default: integrate(s, k, 2, &cur, &delta, NULL, v, div); break;
        }
    }
    if (d.zrun || d.have || !br_has(&d.r, 0)) return 0;
    *p += (d.r.pos + 7) / 8;
    return 1;
}
