/*
 * Benchmark of the policy engine: ticket evaluations per second for a
 * 50-rule policy with keyword conditions over generated tickets, on one
 * thread: five timed trials after a warm-up pass, median reported. Build
 * and run with bench/policy.sh; the figure goes into docs/benchmarks.md.
 *
 * The policy: 46 keyword rules (3 keywords each, about a third of them
 * two-word phrases, every seventh rule searching the title only; two of
 * them also carry a repeat pattern, "3 from the same requester within
 * 24h"), 2 category rules and 2 priority + requester-tier rules. The
 * tickets: titles of 4-10 words and descriptions of 15-40 words drawn from
 * a 3000-word vocabulary, so that some tickets match early rules, some
 * late, and some fall through all 50 to the default route. Same seed,
 * same tickets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/policy.h"
#include "core/rng.h"

#define NVOCAB      3000
#define NTICKETS    200000
#define NRULES      50
#define NTRIALS     5
#define MIN_TRIAL_S 0.5

static char vocab[NVOCAB][12];

static void make_vocab(struct hd_rng *r)
{
    for (int i = 0; i < NVOCAB; i++) {
        int len = 3 + (int)hd_rng_below(r, 8);
        for (int k = 0; k < len; k++) {
            vocab[i][k] = (char)('a' + hd_rng_below(r, 26));
        }
        vocab[i][len] = '\0';
    }
}

static const char *word(struct hd_rng *r)
{
    return vocab[hd_rng_below(r, NVOCAB)];
}

static void add_words(struct hd_buf *b, struct hd_rng *r, int n, int capitalise)
{
    for (int i = 0; i < n; i++) {
        const char *w = word(r);
        if (i) {
            hd_buf_adds(b, hd_rng_below(r, 8) ? " " : ", ", NULL);
        }
        if (capitalise && i == 0) {
            hd_buf_addch(b, w[0] - 'a' + 'A', NULL);
            hd_buf_adds(b, w + 1, NULL);
        } else {
            hd_buf_adds(b, w, NULL);
        }
    }
}

static void make_policy(struct hd_buf *b, struct hd_rng *r)
{
    static const char *const queues[] = {"desk", "identity", "network", "apps", "desktop", "soc"};
    int nrule = 0;

    hd_buf_adds(b,
                "{\"name\": \"bench-50\", \"queues\": ["
                "{\"name\": \"desk\", \"tier\": 1}, {\"name\": \"identity\", \"tier\": 2},"
                "{\"name\": \"network\", \"tier\": 2}, {\"name\": \"apps\", \"tier\": 2},"
                "{\"name\": \"desktop\", \"tier\": 2},"
                "{\"name\": \"soc\", \"tier\": 2, \"security\": true}],"
                "\"default\": {\"route\": \"desk\"},"
                "\"update_cadence\": {\"P1\": \"30m\", \"P2\": \"2h\"},"
                "\"rules\": [",
                NULL);
    for (int i = 0; i < NRULES; i++) {
        if (i) {
            hd_buf_addch(b, ',', NULL);
        }
        hd_buf_addf(b, NULL, "{\"id\": \"r%02d\", \"when\": {", nrule++);
        if (i == 10 || i == 30) {
            hd_buf_addf(b, NULL, "\"category\": [\"%s\", \"%s\"]", word(r), word(r));
        } else if (i == 20 || i == 40) {
            hd_buf_adds(b, "\"priority_at_least\": \"P2\", \"requester_tier\": \"privileged\"",
                        NULL);
        } else {
            hd_buf_adds(b, "\"keywords\": [", NULL);
            for (int k = 0; k < 3; k++) {
                hd_buf_addf(b, NULL, "%s\"%s", k ? ", " : "", word(r));
                if (hd_rng_below(r, 3) == 0) {
                    hd_buf_addf(b, NULL, " %s", word(r));
                }
                hd_buf_addch(b, '"', NULL);
            }
            hd_buf_addch(b, ']', NULL);
            if (i % 7 == 3) {
                hd_buf_adds(b, ", \"keywords_in\": \"title\"", NULL);
            }
            if (i == 25 || i == 45) {
                hd_buf_adds(b,
                            ", \"repeat\": {\"same\": \"requester\", \"count\": 3, "
                            "\"within\": \"24h\"}",
                            NULL);
            }
        }
        hd_buf_addf(b, NULL, "}, \"then\": {\"route\": \"%s\"%s}}", queues[i % 6],
                    i % 6 == 5 ? ", \"require_note\": true" : "");
    }
    hd_buf_adds(b, "]}", NULL);
}

struct bench_ticket {
    char *title;
    char *description;
    const char *category;
    int priority;
    char requester[16];
    int64_t opened_ms;
};

/*
 * Built with -DBENCH_COUNT_ALLOC and -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc (bench/policy.sh does), the benchmark also counts the
 * allocations made while the trials run: the policy engine promises none
 * once its repeat tables have reached their size.
 */
static size_t nalloc;
static int counting;
#ifdef BENCH_COUNT_ALLOC
void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *q, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *q, size_t n);
void *__wrap_malloc(size_t n)
{
    nalloc += (size_t)counting;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t m, size_t n)
{
    nalloc += (size_t)counting;
    return __real_calloc(m, n);
}
void *__wrap_realloc(void *q, size_t n)
{
    nalloc += (size_t)counting;
    return __real_realloc(q, n);
}
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: unaffected by time spent descheduled on a busy machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    struct hd_rng r;
    struct hd_buf json = HD_BUF_INIT, text = HD_BUF_INIT;
    struct hd_err err = HD_ERR_INIT;
    struct hd_policy *p = NULL;
    struct hd_policy_state *st;
    struct bench_ticket *tk = calloc(NTICKETS, sizeof(*tk));
    size_t text_bytes = 0, defaulted = 0, evals = 0;
    int64_t span_ms;
    unsigned epoch = 0;
    double rate[NTRIALS], cpu_rate[NTRIALS];
    char line[512];

    hd_rng_seed(&r, 20260504, 1);
    make_vocab(&r);
    make_policy(&json, &r);
    if (hd_policy_load_text(json.buf, json.len, "bench-50", &p, NULL, NULL, &err)) {
        fprintf(stderr, "bench: %s\n", hd_err_format(&err, line, sizeof(line)));
        return 3;
    }
    for (size_t i = 0; i < NTICKETS; i++) {
        hd_buf_reset(&text);
        add_words(&text, &r, 4 + (int)hd_rng_below(&r, 7), 1);
        tk[i].title = strdup(text.buf);
        hd_buf_reset(&text);
        add_words(&text, &r, 15 + (int)hd_rng_below(&r, 26), 1);
        hd_buf_addch(&text, '.', NULL);
        tk[i].description = strdup(text.buf);
        tk[i].category = word(&r);
        tk[i].priority = 1 + (int)hd_rng_below(&r, 5);
        snprintf(tk[i].requester, sizeof(tk[i].requester), "user%u",
                 (unsigned)hd_rng_below(&r, 5000));
        tk[i].opened_ms = (int64_t)i * 15000; /* a ticket every 15 s */
        text_bytes += strlen(tk[i].title) + strlen(tk[i].description) + strlen(tk[i].category);
    }
    span_ms = (int64_t)NTICKETS * 15000;
    st = hd_policy_state_new(p);

    /*
     * Pass 0 warms the caches and the repeat tables. Then NTRIALS timed
     * trials of at least MIN_TRIAL_S each; the median is the figure (the
     * machine may be shared, and a busy neighbour only ever slows a trial).
     */
    for (int pass = 0;; pass++) {
        size_t n = 0;
        double t0 = now_s(), c0 = cpu_s(), el;
        do {
            int64_t offset_ms = (int64_t)epoch++ * span_ms; /* time only moves forward */
            for (size_t i = 0; i < NTICKETS; i++) {
                struct hd_policy_ticket t = {0};
                struct hd_policy_decision d;
                t.title = tk[i].title;
                t.description = tk[i].description;
                t.category = tk[i].category;
                t.priority = tk[i].priority;
                t.requester = tk[i].requester;
                t.requester_tier = (i % 50 == 0) ? "privileged" : "standard";
                t.opened_ms = tk[i].opened_ms + offset_ms;
                if (hd_policy_decide(p, st, &t, &d, &err)) {
                    fprintf(stderr, "bench: %s\n", err.msg);
                    return 3;
                }
                defaulted += d.is_default;
            }
            n += NTICKETS;
            el = now_s() - t0;
        } while (pass > 0 && el < MIN_TRIAL_S);
        if (pass == 0) {
            defaulted = 0;
            counting = 1;
            continue;
        }
        rate[pass - 1] = (double)n / el;
        cpu_rate[pass - 1] = (double)n / (cpu_s() - c0);
        evals += n;
        if (pass == NTRIALS) {
            break;
        }
    }
    counting = 0;
    qsort(rate, NTRIALS, sizeof(rate[0]), cmp_double);
    qsort(cpu_rate, NTRIALS, sizeof(cpu_rate[0]), cmp_double);

    printf("policy: %zu rules, %zu timers; tickets: %d, mean text %.0f bytes\n",
           hd_policy_rule_count(p), hd_policy_timer_count(p), NTICKETS,
           (double)text_bytes / NTICKETS);
    printf("decided by a rule: %.1f%%, by the default route (all %d rules tried): %.1f%%\n",
           100.0 * (double)(evals - defaulted) / (double)evals, NRULES,
           100.0 * (double)defaulted / (double)evals);
    printf("trials (evaluations/s):");
    for (int i = 0; i < NTRIALS; i++) {
        printf(" %.0f", rate[i]);
    }
    printf("\nmedian: %.0f evaluations/s (one thread, wall clock, %zu evaluations)\n",
           rate[NTRIALS / 2], evals);
    printf("median: %.0f evaluations per CPU second (one thread, thread CPU time)\n",
           cpu_rate[NTRIALS / 2]);
#ifdef BENCH_COUNT_ALLOC
    printf("allocations during the trials: %zu\n", nalloc);
#else
    (void)nalloc;
#endif

    hd_policy_state_free(st);
    hd_policy_free(p);
    for (size_t i = 0; i < NTICKETS; i++) {
        free(tk[i].title);
        free(tk[i].description);
    }
    free(tk);
    hd_buf_release(&json);
    hd_buf_release(&text);
    return 0;
}
