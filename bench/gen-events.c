/* gen-events: the project's own seeded generator of engagement events, the
 * input of `make bench`.
 *
 * It is modelled on ../shared/bench/gen-events (Python): the same options,
 * fields, vocabularies and shapes of values, but its own random stream, so
 * its bytes differ from the Python tool's. What it guarantees:
 *
 *   1. Output is a pure function of the options (-n, --customers, --seed,
 *      --zipf, --start, --csv), the same on every machine and compiler.
 *   2. Prefix stability: the first K events of a run with -n N > K are
 *      exactly the events of -n K (one random stream, consumed in event
 *      order; nothing depends on N).
 *   3. Speed: a million events in well under a second of CPU, so the
 *      benchmark measures the tools, not the generator.
 *
 * How 1 holds: the random stream is xoshiro256** seeded through splitmix64
 * (integer operations only), and every derived quantity is computed in
 * integer fixed point, never with double arithmetic or libm. Floating point
 * would not do: libm's log/exp/pow may differ in the last bit between
 * libraries, and GCC contracts a*b+c into an FMA on targets that have one
 * (aarch64), so the same source could round a price differently. In fixed
 * point:
 *   - exponential variates: -ln(1-u) from a bit-by-bit binary logarithm
 *     (Q32), times ln 2;
 *   - normal variates: Irwin-Hall, the sum of 12 uniforms minus 6 (a close
 *     enough bell for temperatures and prices);
 *   - exp() for log-normal prices and 1/(k+10)^s Zipf weights: range
 *     reduction to 2^k * e^r and a Taylor series in Q60 (__int128);
 *   - decimals (lat, lon, temp_f, price, amount) are integers in units of
 *     1e-4, 1e-1 and 1e-2, printed like Python's repr (trailing zeros
 *     dropped, at least one decimal: "52.514", "13.0").
 */
#ifndef _GNU_SOURCE /* configure may define it already */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: gen-events [-n N] [--customers C] [--seed S] [--csv]\n"
    "                  [--zipf EXP] [--start YYYY-MM-DDTHH:MM:SSZ]\n"
    "\n"
    "Write N synthetic customer-engagement events to stdout, one JSON object per\n"
    "line (JSON-lines), or as CSV with a header row (--csv; geo flattened to\n"
    "geo_city, geo_lat, geo_lon; absent fields are empty cells).\n"
    "\n"
    "  -n N            number of events (default 1000)\n"
    "  --customers C   number of distinct customers (default 10000); activity is\n"
    "                  Zipf-like skewed: a few customers produce most events\n"
    "  --seed S        random seed (default 1); output is a pure function of the\n"
    "                  options, and shorter runs are prefixes of longer ones\n"
    "  --csv           write CSV instead of JSON-lines\n"
    "  --zipf EXP      skew exponent s of weight 1/(rank+10)^s, 0..10 (default 1.0)\n"
    "  --start TS      timestamp of the first event (default 2024-03-01T00:00:00Z)\n"
    "\n"
    "Fields: id, ts (RFC 3339 UTC, ms, increasing with jittered gaps), customer,\n"
    "channel (web/mobile/email/store/call/twitter), type (page_view, app_open,\n"
    "email_open, add_to_cart, email_click, purchase, support_message, review),\n"
    "session, plus: device/ip (web, mobile), page (web/mobile views and carts),\n"
    "campaign (email events), sku/category/price (add_to_cart, purchase),\n"
    "amount/currency/qty (purchase), text (support_message, review, and every\n"
    "twitter event), geo {city,lat,lon}, temp_f.\n"
    "\n"
    "examples:\n"
    "  gen-events -n 1000000 --seed 7 > events.jsonl\n"
    "  gen-events -n 1000000 --seed 7 --csv > events.csv\n"
    "  gen-events -n 20 | jq -c 'select(.text)'\n";

/* ------------------------------------------------------------------------
 * random stream: xoshiro256** (Blackman & Vigna), seeded by splitmix64 */

struct rng { uint64_t s[4]; };

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return res;
}

/* Uniform in [0, n), by the multiply-high method (bias below 2^-32). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* ------------------------------------------------------------------------
 * fixed-point math (see the header comment for why not libm) */

#define Q32 ((int64_t)1 << 32)
#define Q60 ((int64_t)1 << 60)
#define LN2_Q60 ((int64_t)799144290325165568LL)  /* ln 2 * 2^60 */
#define LN2_Q32 ((int64_t)2977044472LL)          /* ln 2 * 2^32 */
#define LOG2E_Q32 ((int64_t)6196328019LL)        /* log2(e) * 2^32 */

/* log2(v) in Q32 for v >= 1: integer part from the top bit, then the
 * fraction bit by bit: square the mantissa, a result >= 2 gives a 1 bit. */
static int64_t log2_q32(uint64_t v)
{
    int ip = 63 - __builtin_clzll(v);
    /* mantissa m in [1,2) as Q62 */
    unsigned __int128 m = ip >= 62 ? (unsigned __int128)(v >> (ip - 62))
                                   : (unsigned __int128)v << (62 - ip);
    int64_t frac = 0;
    for (int b = 31; b >= 0; b--) {
        m = (m * m) >> 62;
        if (m >= ((unsigned __int128)2 << 62)) {
            m >>= 1;
            frac |= (int64_t)1 << b;
        }
    }
    return ((int64_t)ip << 32) | frac;
}

/* Exponential variate with mean 1, as Q32: -ln(1-u), u uniform in [0,1). */
static int64_t expo_q32(struct rng *r)
{
    uint64_t v = (rng_next(r) >> 11) + 1; /* (1-u) * 2^53, in [1, 2^53] */
    int64_t l2 = ((int64_t)53 << 32) - log2_q32(v);
    return (int64_t)(((__int128)l2 * LN2_Q32) >> 32);
}

/* Normal-ish variate (mean 0, sd 1), as Q32: Irwin-Hall sum of 12. */
static int64_t gauss_q32(struct rng *r)
{
    int64_t s = 0;
    for (int i = 0; i < 12; i++)
        s += (int64_t)(rng_next(r) >> 32);
    return s - 6 * Q32;
}

/* e^x for x in Q32 (|x| < 40), as a value * 2^-60 scaled result: returns
 * the mantissa in Q60 ([1,2)) and the binary exponent in *e2, so
 * e^x = mant * 2^(*e2) / 2^60. */
static int64_t exp_q(int64_t x_q32, int *e2)
{
    /* x / ln2 = k + f, f in [0,1); e^x = 2^k * e^(f ln2) */
    __int128 z = (__int128)x_q32 * LOG2E_Q32; /* Q64 */
    int64_t k = (int64_t)(z >> 64);            /* floor */
    uint64_t f = (uint64_t)z;                  /* fraction, Q64 */
    int64_t y = (int64_t)(((unsigned __int128)f * (uint64_t)LN2_Q60) >> 64); /* f*ln2, Q60 */
    int64_t sum = Q60, term = Q60;
    for (int n = 1; n <= 22 && term; n++) {
        term = (int64_t)(((__int128)term * y) >> 60) / n;
        sum += term;
    }
    *e2 = (int)k;
    return sum;
}

/* round(a * e^x) for a >= 0, x in Q32. */
static int64_t mul_exp(int64_t a, int64_t x_q32)
{
    int e2;
    int64_t m = exp_q(x_q32, &e2);
    int shift = 60 - e2;
    if (shift > 126)
        return 0;
    __int128 p = (__int128)a * m;
    if (shift <= 0)
        return (int64_t)(p << -shift);
    return (int64_t)((p + ((__int128)1 << (shift - 1))) >> shift);
}

/* ------------------------------------------------------------------------
 * output buffer: one big buffer, written with write(2); a closed pipe
 * (`gen-events | head`) ends the program quietly with status 0. */

static char obuf[1 << 20];
static size_t olen;

static void oflush(void)
{
    size_t off = 0;
    while (off < olen) {
        ssize_t n = write(1, obuf + off, olen - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE)
                exit(0);
            fprintf(stderr, "gen-events: write: %s\n", strerror(errno));
            exit(3);
        }
        off += (size_t)n;
    }
    olen = 0;
}

static inline void oput(const char *s, size_t n)
{
    if (olen + n > sizeof obuf)
        oflush();
    while (n > sizeof obuf) { /* never for our lines, but stay correct */
        memcpy(obuf, s, sizeof obuf);
        olen = sizeof obuf;
        oflush();
        s += sizeof obuf;
        n -= sizeof obuf;
    }
    memcpy(obuf + olen, s, n);
    olen += n;
}

static inline void ostr(const char *s) { oput(s, strlen(s)); }

static void oint(long long v, int width)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%0*lld", width, v);
    oput(b, (size_t)n);
}

/* A fixed-point decimal v / 10^dec, like Python's repr of the rounded
 * float: trailing zeros dropped, at least one decimal. */
static void odec(long long v, int dec)
{
    char b[40];
    long long p = 1;
    for (int i = 0; i < dec; i++)
        p *= 10;
    long long a = v < 0 ? -v : v;
    int n = snprintf(b, sizeof b, "%s%lld.%0*lld", v < 0 ? "-" : "", a / p,
                     dec, a % p);
    while (n > 0 && b[n - 1] == '0' && b[n - 2] != '.')
        n--;
    oput(b, (size_t)n);
}

/* A JSON string with quotes. */
static void ojson(const char *s)
{
    oput("\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20) {
            oput(run, (size_t)(s - run));
            char e[8];
            if (c == '"' || c == '\\')
                snprintf(e, sizeof e, "\\%c", c);
            else if (c == '\n')
                snprintf(e, sizeof e, "\\n");
            else
                snprintf(e, sizeof e, "\\u%04x", c);
            ostr(e);
            run = s + 1;
        }
    }
    oput(run, (size_t)(s - run));
    oput("\"", 1);
}

/* A CSV cell, quoted (RFC 4180) only when it must be, as Python's csv. */
static void ocsv(const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        ostr(s);
        return;
    }
    oput("\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            oput("\"", 1);
        oput(s, 1);
    }
    oput("\"", 1);
}

/* ------------------------------------------------------------------------
 * vocabularies (the Python generator's) */

#define N_(a) (sizeof(a) / sizeof((a)[0]))

struct chan_w { const char *name; int w; };
struct type_def { const char *name; int w; int nch; struct chan_w ch[5]; };

static const struct type_def TYPES[] = {
    {"page_view", 40, 2, {{"web", 70}, {"mobile", 30}}},
    {"app_open", 14, 1, {{"mobile", 100}}},
    {"email_open", 12, 1, {{"email", 100}}},
    {"add_to_cart", 9, 2, {{"web", 60}, {"mobile", 40}}},
    {"email_click", 5, 1, {{"email", 100}}},
    {"purchase", 4, 4, {{"web", 50}, {"mobile", 30}, {"store", 15}, {"call", 5}}},
    {"support_message", 9, 5, {{"web", 25}, {"email", 20}, {"call", 15},
                               {"mobile", 15}, {"twitter", 25}}},
    {"review", 7, 3, {{"web", 45}, {"mobile", 25}, {"twitter", 30}}},
};

/* lat, lon in 1e-4 degrees; mean temp and spread in F */
struct city { const char *name; int lat, lon, temp, spread; };
static const struct city CITIES[] = {
    {"New York", 407128, -740060, 55, 15},
    {"Los Angeles", 340522, -1182437, 66, 8},
    {"Chicago", 418781, -876298, 50, 18},
    {"Houston", 297604, -953698, 70, 10},
    {"Phoenix", 334484, -1120740, 75, 14},
    {"Philadelphia", 399526, -751652, 55, 15},
    {"San Antonio", 294241, -984936, 70, 11},
    {"San Diego", 327157, -1171611, 65, 6},
    {"Dallas", 327767, -967970, 66, 13},
    {"San Francisco", 377749, -1224194, 58, 6},
    {"Seattle", 476062, -1223321, 53, 10},
    {"Denver", 397392, -1049903, 51, 17},
    {"Boston", 423601, -710589, 52, 16},
    {"Miami", 257617, -801918, 77, 6},
    {"Atlanta", 337490, -843880, 62, 12},
    {"Minneapolis", 449778, -932650, 45, 22},
    {"Portland", 455152, -1226784, 54, 11},
    {"Austin", 302672, -977431, 69, 11},
    {"Nashville", 361627, -867816, 60, 14},
    {"Detroit", 423314, -830458, 49, 18},
    {"London", 515074, -1278, 52, 9},
    {"Toronto", 436532, -793832, 47, 18},
    {"Berlin", 525200, 134050, 50, 13},
    {"Paris", 488566, 23522, 54, 11},
    {"Montr\xc3\xa9" "al", 455019, -735674, 44, 20},
    {"S\xc3\xa3o Paulo", -235505, -466333, 67, 7},
};

/* category and base price in cents */
static const struct { const char *name; int base; } CATEGORIES[] = {
    {"electronics", 12000}, {"books", 1800}, {"apparel", 4500},
    {"home", 6000}, {"beauty", 2500}, {"toys", 3000}, {"grocery", 1200},
    {"sports", 5500}, {"garden", 4000}, {"jewelry", 15000},
};

static const char *PAGES[] = {"/", "/search", "/deals", "/cart", "/account",
                              "/help", "/orders", "/p/", "/p/", "/p/", "/c/", "/c/"};

static const char *CAMPAIGNS[] = {"spring-sale", "welcome-series", "cart-reminder",
                                  "loyalty-q1", "newsletter-wk", "win-back",
                                  "new-arrivals", "flash-24h"};

static const char *SUBJECTS[] = {
    "the app", "my order", "your support team", "the delivery", "this product",
    "the checkout", "the refund process", "customer service", "the new update",
    "my package", "the store staff", "the website", "shipping", "the quality",
    "the price", "your chat agent", "the return policy", "my account",
};
static const char *POSITIVE[] = {
    "is {b}great", "works {b}perfectly", "was {b}helpful", "is {b}amazing",
    "exceeded my expectations", "was {b}fast", "is {b}easy to use",
    "made my day", "is {b}excellent", "was {b}friendly and helpful",
    "is worth every penny", "is {b}awesome", "was a pleasant surprise",
    "is {b}good", "is {b}reliable",
};
static const char *NEGATIVE[] = {
    "is {b}terrible", "keeps crashing", "was {b}useless", "is {b}broken",
    "never arrived", "was {b}rude", "is a waste of money", "is {b}awful",
    "took forever", "is {b}disappointing", "is {b}slow", "charged me twice",
    "is a joke", "failed again", "is {b}horrible",
};
static const char *NEGATED[] = {
    "is not {b}good", "was not {b}helpful", "isn't working",
    "is not worth it", "was not what I ordered", "doesn't work",
    "is not bad at all", "was not {b}terrible", "never works",
    "is not {b}great", "is not {b}happy with me",
};
static const char *NEUTRAL[] = {
    "arrived on tuesday", "is in stock again", "was updated yesterday",
    "shows a tracking number", "has a new layout", "is blue",
    "was delivered to the front desk", "uses my email address",
    "changed last week", "comes in two sizes",
};
static const char *BOOSTERS[] = {"very", "really", "extremely", "so", "incredibly",
                                 "super", "absolutely", "totally"};
static const char *BOOSTERS_UP[] = {"VERY", "REALLY", "EXTREMELY", "SO", "INCREDIBLY",
                                    "SUPER", "ABSOLUTELY", "TOTALLY"};
static const char *OPENERS[] = {"", "", "", "", "Honestly, ", "Update: ", "Hi, ",
                                "Ugh, ", "Wow, ", "FYI ", "Hey @support ",
                                "Third time writing: ", "Just so you know, "};
static const char *CLOSERS_POS[] = {"", "", " Thanks!", " Love it!", " :)", " 5 stars.",
                                    " Will buy again!!!", " Thank you so much!",
                                    " \xf0\x9f\x91\x8d"};
static const char *CLOSERS_NEG[] = {"", "", " Fix it!!!", " :(", " Never again.",
                                    " I want a refund!!!", " Very disappointed.",
                                    " WTF?!", " \xf0\x9f\x98\xa1",
                                    " Cancel my \"premium\" plan."};
static const char *CLOSERS_NEU[] = {"", "", " Thanks.", " Order #{n}.", " Please advise.",
                                    " Any update?", " Ticket {n}."};
static const char *DEV_WEB[] = {"windows/chrome", "macos/safari", "macos/chrome",
                                 "windows/edge", "linux/firefox", "chromeos/chrome"};
static const char *DEV_MOB[] = {"ios/17.4", "ios/17.3", "ios/16.7", "android/14",
                                "android/13", "android/12"};
static const char *CAPS[] = {"NOT", "NEVER", "TERRIBLE", "GREAT", "AMAZING", "WORST",
                             "BEST", "HORRIBLE", "LOVE", "HATE"};

#define PICK(r, a) ((a)[rng_below((r), N_(a))])

/* ------------------------------------------------------------------------
 * text */

struct sbuf { char b[1024]; size_t n; };

static void sb_add(struct sbuf *s, const char *p, size_t n)
{
    if (s->n + n >= sizeof s->b)
        n = sizeof s->b - 1 - s->n;
    memcpy(s->b + s->n, p, n);
    s->n += n;
    s->b[s->n] = '\0';
}
static void sb_str(struct sbuf *s, const char *p) { sb_add(s, p, strlen(p)); }
static void sb_upper(struct sbuf *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        sb_add(s, &c, 1);
    }
}

/* Appends phrase with its {b} slot filled: a booster, the next word in
 * caps, both, or nothing; a phrase without a slot may get its last word in
 * caps. */
static void caps_boost(struct rng *r, struct sbuf *s, const char *phrase)
{
    uint64_t x = rng_below(r, 100);
    const char *slot = strstr(phrase, "{b}");
    if (!slot) {
        const char *last = strrchr(phrase, ' ');
        if (x < 10 && last) {
            sb_add(s, phrase, (size_t)(last + 1 - phrase));
            sb_upper(s, last + 1, strlen(last + 1));
        } else if (x < 10) {
            sb_upper(s, phrase, strlen(phrase));
        } else {
            sb_str(s, phrase);
        }
        return;
    }
    sb_add(s, phrase, (size_t)(slot - phrase));
    const char *tail = slot + 3;
    size_t wlen = strcspn(tail, " ");
    if (x < 25) {
        sb_str(s, PICK(r, BOOSTERS));
        sb_str(s, " ");
        sb_str(s, tail);
    } else if (x < 33) {
        sb_upper(s, tail, wlen);
        sb_str(s, tail + wlen);
    } else if (x < 37) {
        sb_str(s, PICK(r, BOOSTERS_UP));
        sb_str(s, " ");
        sb_upper(s, tail, wlen);
        sb_str(s, tail + wlen);
    } else {
        sb_str(s, tail);
    }
}

/* A short English customer utterance with a sentiment leaning. */
static void make_text(struct rng *r, struct sbuf *s)
{
    uint64_t mood = rng_below(r, 100);
    long n = 10000 + (long)rng_below(r, 89999);
    const char *subj = PICK(r, SUBJECTS);
    const char *closer;
    struct sbuf ph = {.n = 0};
    ph.b[0] = '\0';

    if (mood < 38) {
        caps_boost(r, &ph, PICK(r, NEGATIVE));
        closer = PICK(r, CLOSERS_NEG);
    } else if (mood < 70) {
        caps_boost(r, &ph, PICK(r, POSITIVE));
        closer = PICK(r, CLOSERS_POS);
    } else if (mood < 85) {
        caps_boost(r, &ph, PICK(r, NEGATED));
        uint64_t k = rng_below(r, N_(CLOSERS_NEG) + N_(CLOSERS_NEU));
        closer = k < N_(CLOSERS_NEG) ? CLOSERS_NEG[k] : CLOSERS_NEU[k - N_(CLOSERS_NEG)];
    } else {
        sb_str(&ph, PICK(r, NEUTRAL));
        closer = PICK(r, CLOSERS_NEU);
    }
    s->n = 0;
    s->b[0] = '\0';
    sb_str(s, PICK(r, OPENERS));
    sb_str(s, subj);
    sb_str(s, " ");
    sb_str(s, ph.b);

    /* a second clause for about a third of the messages, possibly mixed */
    uint64_t x = rng_below(r, 100);
    if (x < 12) {
        sb_str(s, ", but ");
        sb_str(s, PICK(r, SUBJECTS));
        sb_str(s, " ");
        caps_boost(r, s, PICK(r, POSITIVE));
    } else if (x < 24) {
        sb_str(s, " and ");
        sb_str(s, PICK(r, SUBJECTS));
        sb_str(s, " ");
        caps_boost(r, s, PICK(r, NEGATIVE));
    } else if (x < 32) {
        const char *sj = PICK(r, SUBJECTS);
        sb_str(s, ". ");
        char c = sj[0] >= 'a' && sj[0] <= 'z' ? (char)(sj[0] - 32) : sj[0];
        sb_add(s, &c, 1);
        sb_str(s, sj + 1);
        sb_str(s, " ");
        sb_str(s, PICK(r, NEUTRAL));
    }
    if (rng_below(r, 100) < 8) {
        sb_str(s, ". ");
        sb_str(s, PICK(r, CAPS));
        sb_str(s, "!!!");
    } else if (rng_below(r, 100) < 10) {
        sb_str(s, "!!!");
    }
    if (closer[0] && ((closer[1] >= 'A' && closer[1] <= 'Z') ||
                      (closer[1] >= '0' && closer[1] <= '9')) &&
        !strchr(".!?", s->b[s->n - 1]))
        sb_str(s, ".");
    const char *hole = strstr(closer, "{n}");
    if (hole) {
        char num[16];
        sb_add(s, closer, (size_t)(hole - closer));
        snprintf(num, sizeof num, "%ld", n);
        sb_str(s, num);
        sb_str(s, hole + 3);
    } else {
        sb_str(s, closer);
    }
    if (s->b[0] >= 'a' && s->b[0] <= 'z')
        s->b[0] = (char)(s->b[0] - 32);
}

/* ------------------------------------------------------------------------
 * time */

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_start(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6)
        return -1;
    if (s[n] == 'Z')
        n++;
    if (s[n] || y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    *ms = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + se) * 1000;
    return 0;
}

/* ------------------------------------------------------------------------ */

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "gen-events: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
            usage_text);
    return 2;
}

static int parse_ll(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long long n = 1000, ncust = 10000, seed = 1;
    int csv = 0;
    int64_t zipf_q32 = Q32;
    const char *start = "2024-03-01T00:00:00Z";
    static const struct option lopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"customers", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"csv", no_argument, NULL, 'C'},
        {"zipf", required_argument, NULL, 'z'},
        {"start", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hn:", lopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'n':
            if (parse_ll(optarg, &n) || n < 0)
                return usage_error("-n must be a number >= 0", optarg);
            break;
        case 'c':
            if (parse_ll(optarg, &ncust) || ncust < 1 || ncust > 100000000)
                return usage_error("--customers must be 1..100000000", optarg);
            break;
        case 's':
            if (parse_ll(optarg, &seed))
                return usage_error("--seed must be an integer", optarg);
            break;
        case 'C':
            csv = 1;
            break;
        case 'z': {
            /* a decimal with up to 9 fraction digits, read exactly into Q32 */
            const char *p = optarg;
            int64_t ip = 0, fr = 0, scale = 1;
            int digits = 0;
            while (*p >= '0' && *p <= '9' && ip < 100)
                ip = ip * 10 + (*p++ - '0'), digits++;
            if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                    if (scale < 1000000000)
                        fr = fr * 10 + (*p - '0'), scale *= 10;
            if (*p || !digits || ip > 10 || (ip == 10 && fr))
                return usage_error("--zipf must be a number 0..10", optarg);
            zipf_q32 = ip * Q32 + (int64_t)(((__int128)fr * Q32) / scale);
            break;
        }
        case 'S':
            start = optarg;
            break;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    int64_t ms;
    if (parse_start(start, &ms)) {
        fprintf(stderr, "gen-events: --start: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'\n",
                start);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    /* customers: rank -> id through a seeded permutation, so the hot
     * customers are scattered over the id space; each has a home city,
     * a mobile preference, devices and an ip */
    size_t C = (size_t)ncust;
    uint32_t *ids = malloc(C * sizeof *ids);
    uint64_t *ccum = malloc(C * sizeof *ccum);
    unsigned char *home = malloc(C), *dweb = malloc(C), *dmob = malloc(C);
    uint16_t *mpref = malloc(C * sizeof *mpref);
    uint32_t *ip = malloc(C * sizeof *ip);
    uint32_t *sess = calloc(C, sizeof *sess);
    unsigned char *has_sess = calloc(C, 1);
    if (!ids || !ccum || !home || !dweb || !dmob || !mpref || !ip || !sess || !has_sess) {
        fprintf(stderr, "gen-events: out of memory\n");
        return 3;
    }
    struct rng crng, rng;
    rng_seed(&crng, (uint64_t)seed * 1000003u + 17u);
    rng_seed(&rng, (uint64_t)seed);
    for (size_t i = 0; i < C; i++)
        ids[i] = (uint32_t)i;
    for (size_t i = C - 1; i > 0; i--) {
        size_t j = (size_t)rng_below(&crng, i + 1);
        uint32_t t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
    }
    /* weights 1/(k+10)^s = e^(-s ln(k+10)) in Q36, cumulative */
    uint64_t total = 0;
    for (size_t k = 0; k < C; k++) {
        int64_t l = (int64_t)(((__int128)log2_q32(k + 11) * LN2_Q32) >> 32); /* ln, Q32 */
        int64_t x = -(int64_t)(((__int128)l * zipf_q32) >> 32);
        int64_t w = mul_exp((int64_t)1 << 36, x);
        total += (uint64_t)(w > 0 ? w : 1);
        ccum[k] = total;
    }
    static const int ipfirst[] = {73, 98, 174, 24, 68, 203, 81, 90};
    for (size_t i = 0; i < C; i++) {
        home[i] = (unsigned char)rng_below(&crng, N_(CITIES));
        mpref[i] = (uint16_t)rng_below(&crng, 1000);
        dweb[i] = (unsigned char)rng_below(&crng, N_(DEV_WEB));
        dmob[i] = (unsigned char)rng_below(&crng, N_(DEV_MOB));
        ip[i] = (uint32_t)ipfirst[rng_below(&crng, 8)] << 24 |
                (uint32_t)rng_below(&crng, 256) << 16 |
                (uint32_t)rng_below(&crng, 256) << 8 | (uint32_t)(1 + rng_below(&crng, 254));
    }
    int width = 1;
    for (long long v = ncust - 1; v >= 10; v /= 10)
        width++;
    if (width < 6)
        width = 6;

    int ttotal = 0;
    for (size_t t = 0; t < N_(TYPES); t++)
        ttotal += TYPES[t].w;

    if (csv)
        ostr("id,ts,customer,channel,type,session,device,ip,page,campaign,sku,"
             "category,price,qty,amount,currency,text,geo_city,geo_lat,geo_lon,temp_f\n");

    int64_t cached_day = INT64_MIN;
    char daystr[16] = "";
    struct sbuf text;

    for (long long i = 1; i <= n; i++) {
        /* time: jittered gaps (mean ~180 ms), never going backwards */
        ms += ((expo_q32(&rng) * 160) >> 32) + (int64_t)rng_below(&rng, 40);
        int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
        int64_t rem = ms - day * 86400000;
        if (day != cached_day) {
            int y, mo, d;
            civil_from_days(day, &y, &mo, &d);
            snprintf(daystr, sizeof daystr, "%04d-%02d-%02dT", y % 10000, mo, d);
            cached_day = day;
        }
        char ts[32];
        snprintf(ts, sizeof ts, "%s%02d:%02d:%02d.%03dZ", daystr, (int)(rem / 3600000),
                 (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));

        uint64_t cr = (uint64_t)(((unsigned __int128)rng_next(&rng) * total) >> 64);
        size_t lo = 0, hi = C - 1;
        while (lo < hi) { /* first k with ccum[k] > cr */
            size_t mid = lo + (hi - lo) / 2;
            if (ccum[mid] > cr)
                hi = mid;
            else
                lo = mid + 1;
        }
        size_t ci = lo;
        char cust[24];
        snprintf(cust, sizeof cust, "c%0*u", width, ids[ci]);

        int tr = (int)rng_below(&rng, (uint64_t)ttotal), ti = 0;
        while (tr >= TYPES[ti].w)
            tr -= TYPES[ti++].w;
        const struct type_def *T = &TYPES[ti];
        const char *typ = T->name, *chan;
        if (T->nch == 1) {
            chan = T->ch[0].name;
        } else if (T->nch == 2 && !strcmp(T->ch[0].name, "web")) {
            /* web vs mobile follows the customer's device preference */
            chan = rng_below(&rng, 1000) < (uint64_t)(mpref[ci] * 8 / 10 + 100) ? "mobile" : "web";
        } else {
            int cw = 0, k = 0;
            for (int j = 0; j < T->nch; j++)
                cw += T->ch[j].w;
            int x = (int)rng_below(&rng, (uint64_t)cw);
            while (x >= T->ch[k].w)
                x -= T->ch[k++].w;
            chan = T->ch[k].name;
        }

        /* session: kept per customer for a while */
        if (!has_sess[ci] || rng_below(&rng, 100) < 15) {
            sess[ci] = (uint32_t)(rng_next(&rng) >> 32);
            has_sess[ci] = 1;
        }

        /* geo: home city mostly, travel sometimes; jitter ~1 km */
        int cix = rng_below(&rng, 10) < 9 ? home[ci] : (int)rng_below(&rng, N_(CITIES));
        const struct city *cy = &CITIES[cix];
        long lat = cy->lat + (long)rng_below(&rng, 501) - 250;
        long lon = cy->lon + (long)rng_below(&rng, 501) - 250;
        long temp = cy->temp * 10 +
                    (long)((gauss_q32(&rng) * cy->spread * 10 + (Q32 >> 1)) >> 32);

        const char *device = NULL;
        char ipbuf[20] = "";
        int is_web = !strcmp(chan, "web"), is_mob = !strcmp(chan, "mobile");
        if (is_web || is_mob) {
            device = is_web ? DEV_WEB[dweb[ci]] : DEV_MOB[dmob[ci]];
            snprintf(ipbuf, sizeof ipbuf, "%u.%u.%u.%u", ip[ci] >> 24, ip[ci] >> 16 & 255,
                     ip[ci] >> 8 & 255, ip[ci] & 255);
        }

        char page[24] = "", sku[16] = "";
        const char *campaign = NULL, *cat = NULL;
        long long price = -1, amount = -1;
        int qty = 0, has_text = 0;
        int is_pv = !strcmp(typ, "page_view"), is_cart = !strcmp(typ, "add_to_cart"),
            is_buy = !strcmp(typ, "purchase");
        if ((is_pv || is_cart) && (is_web || is_mob)) {
            const char *pg = PICK(&rng, PAGES);
            if (pg[1] && pg[2] == '/')
                snprintf(page, sizeof page, "%s%d", pg, (int)rng_below(&rng, 5000));
            else
                snprintf(page, sizeof page, "%s", pg);
        } else if (!strncmp(typ, "email_", 6)) {
            campaign = PICK(&rng, CAMPAIGNS);
        }
        if (is_cart || is_buy) {
            int k = (int)rng_below(&rng, N_(CATEGORIES));
            cat = CATEGORIES[k].name;
            snprintf(sku, sizeof sku, "SKU-%05d", k * 10000 + (int)rng_below(&rng, 10000));
            /* log-normal around the category's base price */
            int64_t g = gauss_q32(&rng);
            price = mul_exp(CATEGORIES[k].base, (int64_t)(((__int128)g * 6) / 10));
            if (price < 99)
                price = 99;
            if (is_buy) {
                qty = 1 + (int)((expo_q32(&rng) * 6 / 10) >> 32);
                amount = price * qty;
            }
        }
        if (!strcmp(typ, "support_message") || !strcmp(typ, "review") ||
            !strcmp(chan, "twitter")) {
            make_text(&rng, &text);
            has_text = 1;
        }

        char idb[24], sessb[16];
        snprintf(idb, sizeof idb, "e%09lld", i);
        snprintf(sessb, sizeof sessb, "s%08x", sess[ci]);
        if (csv) {
            ostr(idb); ostr(","); ostr(ts); ostr(","); ostr(cust); ostr(",");
            ostr(chan); ostr(","); ostr(typ); ostr(","); ostr(sessb); ostr(",");
            if (device) ostr(device);
            ostr(","); ostr(ipbuf); ostr(","); ostr(page); ostr(",");
            if (campaign) ostr(campaign);
            ostr(","); ostr(sku); ostr(",");
            if (cat) ostr(cat);
            ostr(",");
            if (price >= 0) odec(price, 2);
            ostr(",");
            if (amount >= 0) oint(qty, 1);
            ostr(",");
            if (amount >= 0) odec(amount, 2);
            ostr(",");
            if (amount >= 0) ostr("USD");
            ostr(",");
            if (has_text) ocsv(text.b);
            ostr(","); ocsv(cy->name); ostr(",");
            odec(lat, 4); ostr(","); odec(lon, 4); ostr(","); odec(temp, 1);
            ostr("\n");
            continue;
        }
        ostr("{\"id\":\""); ostr(idb); ostr("\",\"ts\":\""); ostr(ts);
        ostr("\",\"customer\":\""); ostr(cust); ostr("\",\"channel\":\""); ostr(chan);
        ostr("\",\"type\":\""); ostr(typ); ostr("\",\"session\":\""); ostr(sessb);
        ostr("\"");
        if (device) {
            ostr(",\"device\":\""); ostr(device); ostr("\",\"ip\":\""); ostr(ipbuf);
            ostr("\"");
        }
        if (page[0]) {
            ostr(",\"page\":\""); ostr(page); ostr("\"");
        }
        if (campaign) {
            ostr(",\"campaign\":\""); ostr(campaign); ostr("\"");
        }
        if (cat) {
            ostr(",\"sku\":\""); ostr(sku); ostr("\",\"category\":\""); ostr(cat);
            ostr("\",\"price\":"); odec(price, 2);
        }
        if (amount >= 0) {
            ostr(",\"qty\":"); oint(qty, 1); ostr(",\"amount\":"); odec(amount, 2);
            ostr(",\"currency\":\"USD\"");
        }
        if (has_text) {
            ostr(",\"text\":"); ojson(text.b);
        }
        ostr(",\"geo\":{\"city\":"); ojson(cy->name); ostr(",\"lat\":"); odec(lat, 4);
        ostr(",\"lon\":"); odec(lon, 4); ostr("},\"temp_f\":"); odec(temp, 1);
        ostr("}\n");
    }
    oflush();
    free(ids); free(ccum); free(home); free(dweb); free(dmob); free(mpref);
    free(ip); free(sess); free(has_sess);
    return 0;
}
