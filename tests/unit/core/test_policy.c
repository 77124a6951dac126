/* Unit tests for core/policy*.c: loading, validation, warnings, evaluation, repeat windows. */
#include "core/policy.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

/* ---- Helpers ------------------------------------------------------------ */

/* Queues shared by most test policies: 0 desk, 1 identity, 2 network, 3 soc, 4 csirt. */
#define QUEUES                                                                                     \
    "\"queues\": ["                                                                                \
    "{\"name\": \"desk\", \"tier\": 1},"                                                           \
    "{\"name\": \"identity\", \"tier\": 2},"                                                       \
    "{\"name\": \"network\", \"tier\": 2, \"groups\": [\"Group 56\", \"NET-OPS\"]},"               \
    "{\"name\": \"soc\", \"tier\": 2, \"security\": true},"                                        \
    "{\"name\": \"csirt\", \"tier\": 3, \"security\": true}],"

/* A policy with the shared queues, the default to desk, and `rules`. */
#define POLICY(rules) "{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [" rules "]}"

enum { Q_DESK, Q_IDENTITY, Q_NETWORK, Q_SOC, Q_CSIRT };

struct warnings {
    int n;
    char last[512];
};

static void collect(void *ctx, const char *src, long line, const char *msg)
{
    struct warnings *w = ctx;
    (void)src;
    assert_int_equal(line, 0);
    w->n++;
    snprintf(w->last, sizeof(w->last), "%s", msg);
}

static struct hd_policy *load_ok(const char *json, struct warnings *w)
{
    struct hd_policy *p = NULL;
    struct hd_err err = HD_ERR_INIT;
    int rc = hd_policy_load_text(json, strlen(json), "test.json", &p, w ? collect : NULL, w, &err);
    if (rc) {
        fail_msg("unexpected error: %s", err.msg);
    }
    assert_non_null(p);
    return p;
}

/* Loading must fail with HD_EINPUT and a message that starts with `prefix`. */
static void load_fails(const char *json, const char *prefix)
{
    struct hd_policy *p = (struct hd_policy *)1;
    struct hd_err err = HD_ERR_INIT;
    int rc = hd_policy_load_text(json, strlen(json), "test.json", &p, NULL, NULL, &err);
    assert_int_equal(rc, HD_EINPUT);
    assert_int_equal(err.rc, HD_EINPUT);
    assert_null(p);
    assert_string_equal(err.src, "test.json");
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0) {
        fail_msg("message '%s' does not start with '%s'", err.msg, prefix);
    }
}

static struct hd_policy_ticket ticket(const char *title, int priority)
{
    struct hd_policy_ticket t = {0};
    t.title = title;
    t.priority = priority;
    return t;
}

static struct hd_policy_decision decide(const struct hd_policy *p, struct hd_policy_state *st,
                                        const struct hd_policy_ticket *t)
{
    struct hd_policy_decision d;
    struct hd_err err = HD_ERR_INIT;
    memset(&d, 0x55, sizeof(d));
    if (hd_policy_decide(p, st, t, &d, &err)) {
        fail_msg("decide failed: %s", err.msg);
    }
    return d;
}

/* Decide a title-only ticket with a fresh state; returns the rule id. */
static const char *rule_for_title(const struct hd_policy *p, const char *title)
{
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket(title, 3);
    struct hd_policy_decision d = decide(p, st, &t);
    hd_policy_state_free(st);
    return d.rule_id;
}

/* ms UTC of a civil time given as UTC. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return hd_days_from_civil(y, mo, d) * HD_MS_PER_DAY + h * HD_MS_PER_H + mi * HD_MS_PER_MIN;
}

/* ---- Samples ------------------------------------------------------------- */

static void load__sample_policies__load_without_error_or_warning(void **state)
{
    glob_t g;
    (void)state;
    assert_int_equal(glob("samples/policies/*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 3);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct hd_policy *p = NULL;
        struct hd_err err = HD_ERR_INIT;
        struct warnings w = {0};
        if (hd_policy_load(g.gl_pathv[i], &p, collect, &w, &err)) {
            fail_msg("%s: %s", g.gl_pathv[i], err.msg);
        }
        if (w.n) {
            fail_msg("%s: warning: %s", g.gl_pathv[i], w.last);
        }
        assert_true(hd_policy_queue_count(p) > 0);
        hd_policy_free(p);
    }
    globfree(&g);
}

static const struct {
    const char *file;
    long line;
    const char *prefix;
} bad_samples[] = {
    {"bad-duration.json", 0, "rules[0].then.update_every: bad duration '30 minutes'"},
    {"bad-priority.json", 0, "rules[3].when.priority[1]: unknown priority 'P9'"},
    {"duplicate-rule-id.json", 0, "rules[2].id: duplicate id 'mfa'"},
    {"empty-keywords.json", 0, "rules[0].when.keywords: empty list"},
    {"invalid-json.json", 6, "invalid JSON: "},
    {"missing-default.json", 0, "default: missing required field"},
    {"missing-rules.json", 0, "rules: missing required field"},
    {"no-security-queue.json", 0, "rules[0].then.escalate_to_security: the policy has no security"},
    {"repeat-count-too-small.json", 0, "rules[0].when.repeat.count: 1 is out of range 2..1000"},
    {"root-not-object.json", 0, "(root): expected an object, got an array"},
    {"timer-bad-condition.json", 0, "timers[0].condition: unknown condition 'idle'"},
    {"timer-unknown-queue.json", 0, "timers[0].escalate_to: unknown queue 'major-incident'"},
    {"unknown-field.json", 0, "rules[0].when.prioirty: unknown field (did you mean 'priority'?)"},
    {"unknown-queue.json", 0, "rules[1].then.route: unknown queue 'security'"},
    {"wrong-type.json", 0, "rules[0].then.require_note: expected true or false, got a string"},
};

static void load__bad_samples__each_fails_with_its_json_path(void **state)
{
    glob_t g;
    size_t checked = 0;
    (void)state;
    assert_int_equal(glob("samples/policies/bad/*.json", 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        const char *base = strrchr(path, '/') + 1;
        struct hd_policy *p = NULL;
        struct hd_err err = HD_ERR_INIT;
        size_t k;
        for (k = 0; k < sizeof(bad_samples) / sizeof(bad_samples[0]); k++) {
            if (!strcmp(bad_samples[k].file, base)) {
                break;
            }
        }
        if (k == sizeof(bad_samples) / sizeof(bad_samples[0])) {
            fail_msg("%s has no expected error in this test", path);
        }
        assert_int_equal(hd_policy_load(path, &p, NULL, NULL, &err), HD_EINPUT);
        assert_null(p);
        assert_string_equal(err.src, path);
        assert_int_equal(err.line, bad_samples[k].line);
        if (strncmp(err.msg, bad_samples[k].prefix, strlen(bad_samples[k].prefix)) != 0) {
            fail_msg("%s: '%s' does not start with '%s'", path, err.msg, bad_samples[k].prefix);
        }
        checked++;
    }
    assert_int_equal(checked, sizeof(bad_samples) / sizeof(bad_samples[0]));
    globfree(&g);
}

static void load__missing_file__eio(void **state)
{
    struct hd_policy *p = NULL;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    assert_int_equal(hd_policy_load("no/such/policy.json", &p, NULL, NULL, &err), HD_EIO);
    assert_null(p);
    assert_string_equal(err.src, "no/such/policy.json");
}

/* ---- Queries -------------------------------------------------------------- */

static void queues__query__names_tiers_security_groups(void **state)
{
    struct hd_policy *p = load_ok(POLICY(""), NULL);
    const struct hd_policy_queue *q;
    (void)state;
    assert_int_equal(hd_policy_queue_count(p), 5);
    q = hd_policy_queue(p, Q_SOC);
    assert_string_equal(q->name, "soc");
    assert_int_equal(q->tier, 2);
    assert_true(q->is_security);
    assert_false(hd_policy_queue(p, Q_DESK)->is_security);
    assert_int_equal(hd_policy_queue(p, Q_CSIRT)->tier, 3);
    assert_null(hd_policy_queue(p, 5));
    assert_int_equal(hd_policy_queue_find(p, "network"), Q_NETWORK);
    assert_int_equal(hd_policy_queue_find(p, "Network"), -1);
    assert_int_equal(hd_policy_queue_for_group(p, "group 56"), Q_NETWORK);
    assert_int_equal(hd_policy_queue_for_group(p, "net-ops"), Q_NETWORK);
    assert_int_equal(hd_policy_queue_for_group(p, "network"), -1); /* groups replace the name */
    assert_int_equal(hd_policy_queue_for_group(p, "SOC"), Q_SOC);  /* default group: the name */
    assert_int_equal(hd_policy_queue_for_group(p, "Group 57"), -1);
    assert_string_equal(hd_policy_name(p), "test");
    hd_policy_free(p);
}

static void rules__query__count_ids_descriptions_in_order(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"a\", \"description\": \"first\", \"when\": {\"priority\": \"P1\"},"
               " \"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"b\", \"when\": {\"priority\": \"P2\"}, \"then\": {\"route\": \"soc\"}}"),
        NULL);
    (void)state;
    assert_int_equal(hd_policy_rule_count(p), 2);
    assert_string_equal(hd_policy_rule_id(p, 0), "a");
    assert_string_equal(hd_policy_rule_id(p, 1), "b");
    assert_null(hd_policy_rule_id(p, 2));
    assert_string_equal(hd_policy_rule_description(p, 0), "first");
    assert_string_equal(hd_policy_rule_description(p, 1), "");
    assert_false(hd_policy_has_repeat(p));
    hd_policy_free(p);
}

static void load__name_field__wins_over_file_name(void **state)
{
    const char *json = "{\"name\": \"mine\"," QUEUES "\"default\": {\"route\": \"desk\"},"
                       "\"rules\": []}";
    struct hd_policy *p = load_ok(json, NULL);
    (void)state;
    assert_string_equal(hd_policy_name(p), "mine");
    hd_policy_free(p);
}

/* ---- Conditions ------------------------------------------------------------- */

static void decide__keyword__case_insensitive_in_title(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"mfa\", \"when\": {\"keywords\": [\"MFA\"]}, \"then\": {\"route\": "
               "\"identity\"}}"),
        NULL);
    (void)state;
    assert_string_equal(rule_for_title(p, "please reset my mfa"), "mfa");
    assert_string_equal(rule_for_title(p, "Mfa broken"), "mfa");
    assert_string_equal(rule_for_title(p, "MFA"), "mfa");
    assert_string_equal(rule_for_title(p, "printer jam"), "default");
    hd_policy_free(p);
}

static void decide__keyword__whole_words_only(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"lock\", \"when\": {\"keywords\": [\"lock\"]}, \"then\": {\"route\": "
               "\"identity\"}}"),
        NULL);
    (void)state;
    assert_string_equal(rule_for_title(p, "screen lock"), "lock");
    assert_string_equal(rule_for_title(p, "lock-screen timeout"), "lock");
    assert_string_equal(rule_for_title(p, "(lock)"), "lock");
    assert_string_equal(rule_for_title(p, "account locked"), "default");
    assert_string_equal(rule_for_title(p, "padlock"), "default");
    assert_string_equal(rule_for_title(p, "unlock"), "default");
    assert_string_equal(rule_for_title(p, "lock2"), "default");
    hd_policy_free(p);
}

static void decide__keyword_phrase__matches_words_in_sequence(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"lockout\", \"when\": {\"keywords\": [\"account  Locked-out\"]},"
                       " \"then\": {\"route\": \"identity\"}}"),
                NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    struct hd_policy_decision d;
    (void)state;
    assert_string_equal(rule_for_title(p, "My ACCOUNT locked out again"), "lockout");
    assert_string_equal(rule_for_title(p, "account, locked; out!"), "lockout");
    assert_string_equal(rule_for_title(p, "account locked"), "default");
    assert_string_equal(rule_for_title(p, "locked out of account"), "default");
    assert_string_equal(rule_for_title(p, "account is locked out"), "default");
    assert_string_equal(rule_for_title(p, "account account locked out"), "lockout");
    /* A phrase never spans two fields. */
    t.title = "user account";
    t.description = "locked out";
    d = decide(p, st, &t);
    assert_true(d.is_default);
    t.description = "account locked out since 9am";
    d = decide(p, st, &t);
    assert_string_equal(d.rule_id, "lockout");
    assert_string_equal(d.keyword, "account  Locked-out");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__keyword_phrase__longest_allowed_and_utf8_bytes(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"long\", \"when\": {\"keywords\": "
                       "[\"a b c d e f g h i j k l m n o p\", \"caf\xc3\xa9 cr\xc3\xa8me\"]},"
                       " \"then\": {\"route\": \"identity\"}}"),
                NULL);
    (void)state;
    assert_string_equal(rule_for_title(p, "x a b c d e f g h i j k l m n o p y"), "long");
    assert_string_equal(rule_for_title(p, "a b c d e f g h i j k l m n o"), "default");
    assert_string_equal(rule_for_title(p, "CAF\xc3\xa9 cr\xc3\xa8me"), "long");
    assert_string_equal(rule_for_title(p, "cafe creme"), "default");
    hd_policy_free(p);
}

static void decide__keyword_scan__separators_are_exactly_non_alnum_ascii(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"xy\", \"when\": {\"keywords\": \"k1 z\"}, \"then\": "
                       "{\"route\": \"identity\"}}"),
                NULL);
    char text[32];
    (void)state;
    /* Short texts take the byte loop, longer ones the 8-bytes-at-a-time path. */
    for (int pad = 0; pad <= 12; pad++) {
        for (int c = 1; c < 256; c++) {
            int word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       c >= 0x80;
            snprintf(text, sizeof(text), "%*sK1%cZ%*s", pad, "", c, 12 - pad, "");
            if (strcmp(rule_for_title(p, text), word ? "default" : "xy") != 0) {
                fail_msg("byte 0x%02x at %d: expected %s", c, pad + 2,
                         word ? "a word byte" : "a separator");
            }
        }
    }
    hd_policy_free(p);
}

static void decide__keyword_scan__words_and_phrases_across_64_byte_blocks(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"phrase\", \"when\": {\"keywords\": \"account locked out\"}, "
                       "\"then\": {\"route\": \"identity\"}},"
                       "{\"id\": \"word\", \"when\": {\"keywords\": \"mfa\"}, \"then\": "
                       "{\"route\": \"identity\"}}"),
                NULL);
    char text[512];
    (void)state;
    /* Every alignment of the phrase and of the word against the 64-byte blocks. */
    for (int off = 0; off < 200; off++) {
        memset(text, 'x', (size_t)off);
        snprintf(text + off, sizeof(text) - (size_t)off, " account locked out");
        assert_string_equal(rule_for_title(p, text), "phrase");
        snprintf(text + off, sizeof(text) - (size_t)off, " account locked outs");
        assert_string_equal(rule_for_title(p, text), "default");
        snprintf(text + off, sizeof(text) - (size_t)off, " mfa!");
        assert_string_equal(rule_for_title(p, text), "word");
        snprintf(text + off, sizeof(text) - (size_t)off, "mfa");
        assert_string_equal(rule_for_title(p, text), off ? "default" : "word");
        snprintf(text + off, sizeof(text) - (size_t)off, ".MFA");
        assert_string_equal(rule_for_title(p, text), "word");
    }
    /* A word longer than a block, then the keyword; the keyword then a long word. */
    memset(text, 'm', 300);
    snprintf(text + 300, sizeof(text) - 300, "fa mfa");
    assert_string_equal(rule_for_title(p, text), "word");
    snprintf(text, sizeof(text), "mfa ");
    memset(text + 4, 'q', 200);
    text[204] = '\0';
    assert_string_equal(rule_for_title(p, text), "word");
    memset(text, 'm', 300);
    snprintf(text + 300, sizeof(text) - 300, "fa");
    assert_string_equal(rule_for_title(p, text), "default");
    hd_policy_free(p);
}

static void decide__keywords_in__restricts_the_fields_searched(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"title-only\", \"when\": {\"keywords\": [\"phishing\"], "
                       "\"keywords_in\": \"title\"}, \"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"cat\", \"when\": {\"keywords\": [\"vpn\"], "
                       "\"keywords_in\": [\"category\"]}, \"then\": {\"route\": \"network\"}},"
                       "{\"id\": \"any\", \"when\": {\"keywords\": [\"phishing\", \"vpn\"]}, "
                       "\"then\": {\"route\": \"identity\"}}"),
                NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    (void)state;
    t.description = "I think this is phishing";
    assert_string_equal(decide(p, st, &t).rule_id, "any");
    t.title = "Phishing?";
    assert_string_equal(decide(p, st, &t).rule_id, "title-only");
    t.title = "help";
    t.description = "vpn down";
    assert_string_equal(decide(p, st, &t).rule_id, "any");
    t.category = "Network / VPN";
    assert_string_equal(decide(p, st, &t).rule_id, "cat");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__category_and_subcategory__case_insensitive_equality(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"vpn\", \"when\": {\"category\": \"Network\", \"subcategory\": "
                       "[\"VPN\", \"Remote access\"]}, \"then\": {\"route\": \"network\"}},"
                       "{\"id\": \"net\", \"when\": {\"category\": [\"network\", \"LAN\"]}, "
                       "\"then\": {\"route\": \"network\"}}"),
                NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    (void)state;
    t.category = "NETWORK";
    t.subcategory = "remote ACCESS";
    assert_string_equal(decide(p, st, &t).rule_id, "vpn");
    t.subcategory = "Wi-Fi";
    assert_string_equal(decide(p, st, &t).rule_id, "net");
    t.subcategory = NULL;
    assert_string_equal(decide(p, st, &t).rule_id, "net");
    t.category = "Networking"; /* equality, not a prefix */
    assert_true(decide(p, st, &t).is_default);
    t.category = "";
    assert_true(decide(p, st, &t).is_default);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__priority_list_and_at_least__p1_most_urgent(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"p1-or-p3\", \"when\": {\"priority\": [\"P1\", \"p3\"]}, "
                       "\"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"at-least-p2\", \"when\": {\"priority_at_least\": \"P2\"}, "
                       "\"then\": {\"route\": \"csirt\"}},"
                       "{\"id\": \"p4-p5\", \"when\": {\"priority\": [\"P4\", \"P5\", \"P4\"], "
                       "\"priority_at_least\": \"P5\"}, \"then\": {\"route\": \"network\"}}"),
                NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    const char *expect[] = {"default", "p1-or-p3", "at-least-p2", "p1-or-p3", "p4-p5", "p4-p5"};
    (void)state;
    for (int prio = 0; prio <= 5; prio++) {
        t.priority = prio;
        assert_string_equal(decide(p, st, &t).rule_id, expect[prio]);
    }
    t.priority = 9; /* out of range: unknown */
    assert_true(decide(p, st, &t).is_default);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__asset_tier_client_channel__each_condition(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"server\", \"when\": {\"asset_class\": [\"Server\", \"hypervisor\"]}, "
               "\"then\": {\"route\": \"network\"}},"
               "{\"id\": \"vip\", \"when\": {\"requester_tier\": \"privileged\"}, "
               "\"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"acme\", \"when\": {\"client\": \"ACME Ltd\"}, "
               "\"then\": {\"route\": \"identity\"}},"
               "{\"id\": \"phone\", \"when\": {\"channel\": [\"phone\", \"walk-in\"]}, "
               "\"then\": {\"route\": \"csirt\"}}"),
        NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    struct hd_policy_decision d;
    (void)state;
    t.asset_class = "SERVER";
    assert_string_equal(decide(p, st, &t).rule_id, "server");
    t.asset_class = "laptop";
    t.requester_tier = "Privileged";
    d = decide(p, st, &t);
    assert_string_equal(d.rule_id, "vip");
    assert_null(d.keyword);
    t.requester_tier = "standard";
    t.client = "acme ltd";
    assert_string_equal(decide(p, st, &t).rule_id, "acme");
    t.client = "Globex";
    t.channel = "Walk-In";
    assert_string_equal(decide(p, st, &t).rule_id, "phone");
    t.channel = "email";
    assert_true(decide(p, st, &t).is_default);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__all_conditions_of_a_rule__must_hold(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"both\", \"when\": {\"keywords\": \"password\", \"requester_tier\": "
               "\"privileged\", \"priority_at_least\": \"P3\"}, \"then\": {\"route\": \"soc\"}}"),
        NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("password reset", 2);
    (void)state;
    assert_true(decide(p, st, &t).is_default);
    t.requester_tier = "privileged";
    assert_string_equal(decide(p, st, &t).rule_id, "both");
    t.priority = 4;
    assert_true(decide(p, st, &t).is_default);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

/* ---- Order, default, actions -------------------------------------------------- */

static void decide__first_matching_rule__decides(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY("{\"id\": \"phishing\", \"when\": {\"keywords\": \"phishing\"}, "
               "\"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"mfa\", \"when\": {\"keywords\": \"mfa\"}, "
               "\"then\": {\"route\": \"identity\"}},"
               "{\"id\": \"mfa-or-phishing\", \"when\": {\"keywords\": [\"mfa\", \"phishing\", "
               "\"vpn\"]}, \"then\": {\"route\": \"network\"}}"),
        NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("MFA prompt after a phishing mail", 3);
    struct hd_policy_decision d;
    (void)state;
    d = decide(p, st, &t);
    assert_int_equal(d.rule, 0);
    assert_string_equal(d.rule_id, "phishing");
    assert_int_equal(d.queue, Q_SOC);
    t.title = "MFA prompt; vpn";
    d = decide(p, st, &t);
    assert_int_equal(d.rule, 1);
    assert_int_equal(d.queue, Q_IDENTITY);
    t.title = "vpn";
    d = decide(p, st, &t);
    assert_int_equal(d.rule, 2);
    assert_string_equal(d.keyword, "vpn");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__no_rule_matches__default_route_decides(void **state)
{
    const char *json = "{" QUEUES "\"default\": {\"route\": \"desk\", \"require_note\": true, "
                       "\"update_every\": \"8h\"}, \"rules\": [{\"id\": \"x\", \"when\": "
                       "{\"keywords\": \"vpn\"}, \"then\": {\"route\": \"network\"}}]}";
    struct hd_policy *p = load_ok(json, NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("printer", 0);
    struct hd_policy_decision d;
    (void)state;
    d = decide(p, st, &t);
    assert_true(d.is_default);
    assert_int_equal(d.rule, -1);
    assert_string_equal(d.rule_id, "default");
    assert_int_equal(d.queue, Q_DESK);
    assert_false(d.escalate_to_security);
    assert_true(d.require_note);
    assert_int_equal(d.cadence_ms, 8 * HD_MS_PER_H);
    assert_int_equal(d.priority, 0);
    assert_null(d.keyword);
    /* An empty ticket is fine. */
    memset(&t, 0, sizeof(t));
    assert_true(decide(p, st, &t).is_default);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__actions__priority_note_cadence_and_fallbacks(void **state)
{
    const char *json =
        "{" QUEUES "\"default\": {\"route\": \"desk\"},"
        "\"update_cadence\": {\"P1\": \"30m\", \"P2\": \"PT2H\"},"
        "\"rules\": ["
        "{\"id\": \"bank\", \"when\": {\"keywords\": \"bank details\"}, \"then\": "
        "{\"escalate_to_security\": true, \"set_priority\": \"P1\", \"require_note\": true}},"
        "{\"id\": \"slow\", \"when\": {\"keywords\": \"slow\"}, \"then\": {\"route\": \"network\","
        " \"update_every\": \"1d\"}},"
        "{\"id\": \"note\", \"when\": {\"keywords\": \"note\"}, \"then\": {\"require_note\": "
        "true}},"
        "{\"id\": \"csirt\", \"when\": {\"keywords\": \"breach\"}, \"then\": {\"route\": "
        "\"csirt\", \"escalate_to_security\": true}}]}";
    struct hd_policy *p = load_ok(json, NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("change bank details", 4);
    struct hd_policy_decision d;
    (void)state;
    d = decide(p, st, &t);
    assert_int_equal(d.queue, Q_SOC); /* the first security queue */
    assert_true(d.escalate_to_security);
    assert_int_equal(d.priority, 1);
    assert_true(d.require_note);
    assert_int_equal(d.cadence_ms, 30 * HD_MS_PER_MIN); /* cadence of the new priority */
    t = ticket("slow", 1);
    d = decide(p, st, &t);
    assert_int_equal(d.queue, Q_NETWORK);
    assert_int_equal(d.cadence_ms, HD_MS_PER_DAY);
    assert_false(d.require_note);
    assert_false(d.escalate_to_security);
    t = ticket("note", 2);
    d = decide(p, st, &t);
    assert_int_equal(d.queue, Q_DESK); /* no route: the default queue */
    assert_true(d.require_note);
    assert_int_equal(d.cadence_ms, 2 * HD_MS_PER_H);
    t.priority = 3;
    assert_int_equal(decide(p, st, &t).cadence_ms, 0);
    t = ticket("breach", 3);
    d = decide(p, st, &t);
    assert_int_equal(d.queue, Q_CSIRT);
    assert_true(d.escalate_to_security);
    assert_int_equal(hd_policy_cadence_ms(p, 1), 30 * HD_MS_PER_MIN);
    assert_int_equal(hd_policy_cadence_ms(p, 5), 0);
    assert_int_equal(hd_policy_cadence_ms(p, 0), 0);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__route_to_security_queue__is_an_escalation(void **state)
{
    struct hd_policy *p = load_ok(
        POLICY(
            "{\"id\": \"x\", \"when\": {\"keywords\": \"x\"}, \"then\": {\"route\": \"csirt\"}}"),
        NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("x", 3);
    (void)state;
    assert_true(decide(p, st, &t).escalate_to_security);
    hd_policy_state_free(st);
    hd_policy_free(p);
}

/* ---- Timers -------------------------------------------------------------------- */

static void timers__parse__condition_after_priority_queue(void **state)
{
    const char *json =
        "{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [],"
        "\"timers\": ["
        "{\"id\": \"p2-unassigned\", \"condition\": \"unassigned\", \"after\": \"15m\", "
        "\"priority_at_least\": \"P2\", \"escalate_to\": \"soc\"},"
        "{\"id\": \"any-unaccepted\", \"description\": \"d\", \"condition\": \"unaccepted\", "
        "\"after\": \"PT1H30M\", \"escalate_to\": \"network\"}]}";
    struct hd_policy *p = load_ok(json, NULL);
    const struct hd_policy_timer *t;
    (void)state;
    assert_int_equal(hd_policy_timer_count(p), 2);
    t = hd_policy_timer(p, 0);
    assert_string_equal(t->id, "p2-unassigned");
    assert_int_equal(t->condition, HD_POLICY_UNASSIGNED);
    assert_int_equal(t->after_ms, 15 * HD_MS_PER_MIN);
    assert_int_equal(t->min_priority, 2);
    assert_int_equal(t->queue, Q_SOC);
    assert_true(t->escalates_to_security);
    assert_true(hd_policy_timer_applies(t, 1));
    assert_true(hd_policy_timer_applies(t, 2));
    assert_false(hd_policy_timer_applies(t, 3));
    assert_false(hd_policy_timer_applies(t, 0));
    t = hd_policy_timer(p, 1);
    assert_string_equal(t->id, "any-unaccepted");
    assert_int_equal(t->condition, HD_POLICY_UNACCEPTED);
    assert_int_equal(t->after_ms, 90 * HD_MS_PER_MIN);
    assert_int_equal(t->min_priority, 0);
    assert_int_equal(t->queue, Q_NETWORK);
    assert_false(t->escalates_to_security);
    assert_true(hd_policy_timer_applies(t, 0));
    assert_true(hd_policy_timer_applies(t, 5));
    assert_null(hd_policy_timer(p, 2));
    hd_policy_free(p);
}

static void timers__errors__each_names_its_path(void **state)
{
#define TIMER(body)                                                                                \
    "{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [], \"timers\": [" body "]}"
    (void)state;
    load_fails(TIMER("{\"condition\": \"unassigned\", \"after\": \"1h\", \"escalate_to\": "
                     "\"soc\"}"),
               "timers[0].id: missing required field");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"soon\", "
                     "\"escalate_to\": \"soc\"}"),
               "timers[0].after: bad duration 'soon'");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": 15, "
                     "\"escalate_to\": \"soc\"}"),
               "timers[0].after: expected a duration such as '15m' or 'PT15M', got an integer");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"0\", "
                     "\"escalate_to\": \"soc\"}"),
               "timers[0].after: duration '0' must be greater than zero");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"1h\", "
                     "\"priority_at_least\": \"high\", \"escalate_to\": \"soc\"}"),
               "timers[0].priority_at_least: unknown priority 'high'");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"1h\", "
                     "\"escalate_to\": \"SOC\"}"),
               "timers[0].escalate_to: unknown queue 'SOC' (did you mean 'soc'?)");
    load_fails(TIMER("{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"1h\", "
                     "\"escalate_to\": \"soc\"},"
                     "{\"id\": \"t\", \"condition\": \"unassigned\", \"after\": \"1h\", "
                     "\"escalate_to\": \"soc\"}"),
               "timers[1].id: duplicate id 't' (first used by timers[0])");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [{\"id\": \"t\", "
               "\"then\": {\"route\": \"soc\"}}], \"timers\": [{\"id\": \"t\", \"condition\": "
               "\"unassigned\", \"after\": \"1h\", \"escalate_to\": \"soc\"}]}",
               "timers[0].id: duplicate id 't' (first used by rules[0])");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [], \"timers\": {}}",
               "timers: expected an array, got an object");
#undef TIMER
}

/* ---- Repeat patterns ------------------------------------------------------------- */

/* Lockout tickets from the same requester: the count-th within `within` escalates. */
#define REPEAT_POLICY(count, within)                                                               \
    POLICY("{\"id\": \"repeat\", \"when\": {\"keywords\": \"locked out\", \"repeat\": "            \
           "{\"same\": \"requester\", \"count\": " count ", \"within\": \"" within "\"}}, "        \
           "\"then\": {\"escalate_to_security\": true}},"                                          \
           "{\"id\": \"lockout\", \"when\": {\"keywords\": \"locked out\"}, \"then\": "            \
           "{\"route\": \"identity\"}}")

static const char *lockout_at(const struct hd_policy *p, struct hd_policy_state *st,
                              const char *requester, int64_t at_ms)
{
    struct hd_policy_ticket t = ticket("I am locked out", 3);
    t.requester = requester;
    t.opened_ms = at_ms;
    return decide(p, st, &t).rule_id;
}

static void repeat__nth_inside_window_fires__just_outside_does_not(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("3", "24h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    int64_t t0 = utc(2026, 5, 4, 9, 0);
    (void)state;
    assert_true(hd_policy_has_repeat(p));
    assert_string_equal(lockout_at(p, st, "alice", t0), "lockout");
    assert_string_equal(lockout_at(p, st, "alice", t0 + 10 * HD_MS_PER_H), "lockout");
    /* Third within 24h, exactly 24h after the first: inside (inclusive). */
    assert_string_equal(lockout_at(p, st, "alice", t0 + 24 * HD_MS_PER_H), "repeat");
    hd_policy_state_reset(st);
    assert_string_equal(lockout_at(p, st, "alice", t0), "lockout");
    assert_string_equal(lockout_at(p, st, "alice", t0 + 10 * HD_MS_PER_H), "lockout");
    /* One millisecond later the first has left the window. */
    assert_string_equal(lockout_at(p, st, "alice", t0 + 24 * HD_MS_PER_H + 1), "lockout");
    /* The window slides: tickets 2, 3, 4 are within 24h of each other. */
    assert_string_equal(lockout_at(p, st, "alice", t0 + 25 * HD_MS_PER_H), "repeat");
    assert_string_equal(lockout_at(p, st, "alice", t0 + 26 * HD_MS_PER_H), "repeat");
    assert_string_equal(lockout_at(p, st, "alice", t0 + 60 * HD_MS_PER_H), "lockout");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__window_across_midnight__counts_absolute_time(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("2", "2h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    (void)state;
    assert_string_equal(lockout_at(p, st, "bob", utc(2026, 12, 31, 23, 15)), "lockout");
    assert_string_equal(lockout_at(p, st, "bob", utc(2027, 1, 1, 0, 45)), "repeat");
    assert_string_equal(lockout_at(p, st, "bob", utc(2027, 1, 1, 3, 0)), "lockout");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__window_across_dst_change__is_real_hours_not_wall_clock(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("2", "24h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    (void)state;
    /*
     * Europe/Sofia springs forward on 2026-03-29 (03:00 EET -> 04:00 EEST).
     * 12:00 local on 28 March is 10:00Z; 12:00 local on 29 March is 09:00Z:
     * the same wall time a day later is only 23 real hours later: inside.
     */
    assert_string_equal(lockout_at(p, st, "carol", utc(2026, 3, 28, 10, 0)), "lockout");
    assert_string_equal(lockout_at(p, st, "carol", utc(2026, 3, 29, 9, 0)), "repeat");
    hd_policy_state_reset(st);
    /*
     * It falls back on 2026-10-25 (04:00 EEST -> 03:00 EET). 12:00 local on
     * 24 October is 09:00Z; 12:00 local on 25 October is 10:00Z: 25 real
     * hours, outside a 24h window although the wall clock says one day.
     */
    assert_string_equal(lockout_at(p, st, "carol", utc(2026, 10, 24, 9, 0)), "lockout");
    assert_string_equal(lockout_at(p, st, "carol", utc(2026, 10, 25, 10, 0)), "lockout");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__keys__separate_per_requester_and_case_insensitive(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("2", "1h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    int64_t t0 = utc(2026, 1, 5, 8, 0);
    (void)state;
    assert_string_equal(lockout_at(p, st, "alice", t0), "lockout");
    assert_string_equal(lockout_at(p, st, "bob", t0 + 1), "lockout");
    assert_string_equal(lockout_at(p, st, "ALICE", t0 + 2), "repeat");
    assert_string_equal(lockout_at(p, st, "carol", t0 + 3), "lockout");
    /* No requester: never a repeat. */
    assert_string_equal(lockout_at(p, st, NULL, t0 + 4), "lockout");
    assert_string_equal(lockout_at(p, st, "", t0 + 5), "lockout");
    assert_string_equal(lockout_at(p, st, NULL, t0 + 6), "lockout");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__only_tickets_meeting_other_conditions__count(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("2", "1h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = ticket("printer jam", 3);
    int64_t t0 = utc(2026, 1, 5, 8, 0);
    (void)state;
    t.requester = "dave";
    t.opened_ms = t0;
    assert_true(decide(p, st, &t).is_default);
    assert_string_equal(lockout_at(p, st, "dave", t0 + 1), "lockout");
    assert_string_equal(lockout_at(p, st, "dave", t0 + 2), "repeat");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__tickets_decided_by_earlier_rules__still_count(void **state)
{
    struct hd_policy *p =
        load_ok(POLICY("{\"id\": \"vip\", \"when\": {\"requester_tier\": \"vip\"}, \"then\": "
                       "{\"route\": \"identity\"}},"
                       "{\"id\": \"asset-repeat\", \"when\": {\"repeat\": {\"same\": \"asset\", "
                       "\"count\": 2, \"within\": \"30m\"}}, \"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"cat-repeat\", \"when\": {\"repeat\": {\"same\": \"category\", "
                       "\"count\": 3, \"within\": \"1h\"}}, \"then\": {\"route\": \"csirt\"}}"),
                NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {0};
    int64_t t0 = utc(2026, 2, 2, 14, 0);
    (void)state;
    t.asset = "LAPTOP-0042";
    t.category = "Hardware";
    t.requester_tier = "vip";
    t.opened_ms = t0;
    assert_string_equal(decide(p, st, &t).rule_id, "vip");
    t.requester_tier = NULL;
    t.opened_ms = t0 + 20 * HD_MS_PER_MIN;
    assert_string_equal(decide(p, st, &t).rule_id, "asset-repeat");
    t.asset = "laptop-0099";
    t.opened_ms = t0 + 40 * HD_MS_PER_MIN;
    assert_string_equal(decide(p, st, &t).rule_id, "cat-repeat");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void repeat__many_keys__tables_shed_expired_keys_and_stay_exact(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("3", "1h"), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    int64_t t0 = utc(2026, 6, 1, 0, 0);
    char who[32];
    (void)state;
    /* 20000 one-off requesters over ~2 days, and "eve" three times at the end. */
    for (int i = 0; i < 20000; i++) {
        snprintf(who, sizeof(who), "user-%d", i);
        assert_string_equal(lockout_at(p, st, who, t0 + (int64_t)i * 9 * HD_MS_PER_S), "lockout");
    }
    t0 += 20000LL * 9 * HD_MS_PER_S;
    assert_string_equal(lockout_at(p, st, "eve", t0), "lockout");
    for (int i = 0; i < 300; i++) {
        snprintf(who, sizeof(who), "late-%d", i);
        lockout_at(p, st, who, t0 + i);
    }
    assert_string_equal(lockout_at(p, st, "eve", t0 + 30 * HD_MS_PER_MIN), "lockout");
    assert_string_equal(lockout_at(p, st, "eve", t0 + 59 * HD_MS_PER_MIN), "repeat");
    /* A requester from the start is long expired. */
    assert_string_equal(lockout_at(p, st, "user-19999", t0 + HD_MS_PER_H), "lockout");
    hd_policy_state_free(st);
    hd_policy_free(p);
}

static void decide__ticket_out_of_time_order__eusage_with_repeat_rules(void **state)
{
    struct hd_policy *p = load_ok(REPEAT_POLICY("2", "1h"), NULL);
    struct hd_policy *q = load_ok(POLICY(""), NULL);
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_state *sq = hd_policy_state_new(q);
    struct hd_policy_ticket t = ticket("locked out", 3);
    struct hd_policy_decision d;
    struct hd_err err = HD_ERR_INIT;
    (void)state;
    t.requester = "alice";
    t.opened_ms = 1000000;
    assert_int_equal(hd_policy_decide(p, st, &t, &d, &err), HD_OK);
    t.opened_ms = 999999;
    assert_int_equal(hd_policy_decide(p, st, &t, &d, &err), HD_EUSAGE);
    assert_non_null(strstr(err.msg, "time order"));
    /* The failed call changed nothing: the next in-order ticket is the 2nd. */
    t.opened_ms = 1000001;
    assert_int_equal(hd_policy_decide(p, st, &t, &d, NULL), HD_OK);
    assert_string_equal(d.rule_id, "repeat");
    /* A state made for another policy is refused. */
    assert_int_equal(hd_policy_decide(q, st, &t, &d, &err), HD_EUSAGE);
    /* Without repeat rules, order does not matter. */
    t.opened_ms = 5;
    assert_int_equal(hd_policy_decide(q, sq, &t, &d, NULL), HD_OK);
    t.opened_ms = 1;
    assert_int_equal(hd_policy_decide(q, sq, &t, &d, NULL), HD_OK);
    hd_policy_state_free(sq);
    hd_policy_state_free(st);
    hd_policy_free(q);
    hd_policy_free(p);
}

/* ---- Validation errors ------------------------------------------------------------ */

static void load__unknown_queue__names_path_and_queue(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"secops\"}}"),
               "rules[0].then.route: unknown queue 'secops'");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"netwrok\"}}"),
               "rules[0].then.route: unknown queue 'netwrok' (did you mean 'network'?)");
    load_fails("{" QUEUES "\"default\": {\"route\": \"helpdesk\"}, \"rules\": []}",
               "default.route: unknown queue 'helpdesk'");
}

static void load__unknown_field__at_every_level(void **state)
{
    (void)state;
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": [], \"timer\": []}",
               "timer: unknown field (did you mean 'timers'?)");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keyword\": \"x\"}, \"then\": {\"route\": "
                      "\"soc\"}}"),
               "rules[0].when.keyword: unknown field (did you mean 'keywords'?)");
    load_fails(POLICY("{\"id\": \"a\", \"if\": {}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].if: unknown field");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"soc\", \"notify\": true}}"),
               "rules[0].then.notify: unknown field");
    load_fails("{\"queues\": [{\"name\": \"desk\", \"tier\": 1, \"sec\": true}], "
               "\"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues[0].sec: unknown field");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": "
                      "2, \"within\": \"1h\", \"window\": \"1h\"}}, \"then\": {\"route\": "
                      "\"soc\"}}"),
               "rules[0].when.repeat.window: unknown field");
}

static void load__bad_duration__names_path_and_text(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"update_every\": \"4 hours\"}}"),
               "rules[0].then.update_every: bad duration '4 hours'");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": "
                      "2, \"within\": \"-1h\"}}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when.repeat.within: bad duration '-1h'");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"update_cadence\": {\"P1\": "
               "\"1x\"}, \"rules\": []}",
               "update_cadence.P1: bad duration '1x'");
}

static void load__wrong_type__names_expected_and_actual(void **state)
{
    (void)state;
    load_fails("{\"queues\": {}, \"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues: expected an array, got an object");
    load_fails("{\"queues\": [{\"name\": \"desk\", \"tier\": \"1\"}], \"default\": {\"route\": "
               "\"desk\"}, \"rules\": []}",
               "queues[0].tier: expected an integer, got a string");
    load_fails("{\"queues\": [{\"name\": \"desk\", \"tier\": 0}], \"default\": {\"route\": "
               "\"desk\"}, \"rules\": []}",
               "queues[0].tier: 0 is out of range 1..9");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": {}}",
               "rules: expected an array, got an object");
    load_fails(POLICY("\"mfa\""), "rules[0]: expected an object, got a string");
    load_fails(POLICY("{\"id\": 7, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].id: expected a string, got an integer");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"category\": [\"Network\", 3]}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.category[1]: expected a string, got an integer");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": {\"any\": \"x\"}}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.keywords: expected a string or an array of strings, got an object");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"escalate_to_security\": 1}}"),
               "rules[0].then.escalate_to_security: expected true or false, got an integer");
    load_fails(POLICY("{\"id\": \"a\", \"when\": [], \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when: expected an object, got an array");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"priority\": 1}, \"then\": {\"route\": "
                      "\"soc\"}}"),
               "rules[0].when.priority: expected a string or an array of strings, got an integer");
}

static void load__missing_required_fields__named_by_path(void **state)
{
    (void)state;
    load_fails("{\"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues: missing required field");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}}", "rules: missing required field");
    load_fails("{" QUEUES "\"rules\": []}", "default: missing required field");
    load_fails("{" QUEUES "\"default\": {\"require_note\": true}, \"rules\": []}",
               "default.route: missing required field");
    load_fails(POLICY("{\"when\": {}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].id: missing required field");
    load_fails(POLICY("{\"id\": \"a\"}"), "rules[0].then: missing required field");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {}}"), "rules[0].then: no action");
    load_fails("{\"queues\": [{\"tier\": 1}], \"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues[0].name: missing required field");
    load_fails("{\"queues\": [], \"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues: empty list");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": "
                      "2}}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when.repeat.within: missing required field");
}

static void load__duplicate_ids_and_names__refused(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"soc\"}},"
                      "{\"id\": \"b\", \"then\": {\"route\": \"soc\"}},"
                      "{\"id\": \"a\", \"then\": {\"route\": \"soc\"}}"),
               "rules[2].id: duplicate id 'a' (first used by rules[0])");
    load_fails(POLICY("{\"id\": \"default\", \"then\": {\"route\": \"soc\"}}"),
               "rules[0].id: id 'default' is reserved");
    load_fails(POLICY("{\"id\": \"\", \"then\": {\"route\": \"soc\"}}"),
               "rules[0].id: must not be empty");
    load_fails("{\"queues\": [{\"name\": \"desk\", \"tier\": 1}, {\"name\": \"desk\", \"tier\": "
               "2}], \"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "queues[1].name: duplicate queue 'desk'");
    load_fails("{\"queues\": [{\"name\": \"desk\", \"tier\": 1, \"groups\": [\"G1\"]}, "
               "{\"name\": \"l2\", \"tier\": 2, \"groups\": [\"g1\"]}], \"default\": {\"route\": "
               "\"desk\"}, \"rules\": []}",
               "queues[1].groups[0]: group 'g1' already belongs to queue 'desk'");
    /* Duplicate keys in one object: jansson refuses them, with the line. */
    load_fails("{\"rules\": [],\n\"rules\": []}", "invalid JSON: duplicate object key");
}

static void load__empty_keywords__refused(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": []}, \"then\": {\"route\": "
                      "\"soc\"}}"),
               "rules[0].when.keywords: empty list");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": [\"mfa\", \"\"]}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.keywords[1]: empty keyword");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": \" -- !\"}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.keywords: keyword ' -- !' has no words");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": \"a b c d e f g h i j k l m n o "
                      "p q\"}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when.keywords: keyword 'a b c d e f g h i j k l m n o p q' has more "
               "than 16 words");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords_in\": \"title\"}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.keywords_in: keywords_in without keywords");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": \"x\", \"keywords_in\": "
                      "[\"body\"]}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when.keywords_in[0]: unknown text field 'body'");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"category\": \"\"}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.category: must not be empty");
}

static void load__bad_priority__names_path_and_value(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"soc\"}},"
                      "{\"id\": \"b\", \"then\": {\"route\": \"soc\"}},"
                      "{\"id\": \"c\", \"then\": {\"route\": \"soc\"}},"
                      "{\"id\": \"d\", \"when\": {\"priority\": \"P9\"}, \"then\": {\"route\": "
                      "\"soc\"}}"),
               "rules[3].when.priority: unknown priority 'P9' (expected P1..P5)");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"priority_at_least\": \"1\"}, \"then\": "
                      "{\"route\": \"soc\"}}"),
               "rules[0].when.priority_at_least: unknown priority '1'");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"set_priority\": \"P0\"}}"),
               "rules[0].then.set_priority: unknown priority 'P0'");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"priority\": \"P4\", \"priority_at_least\": "
                      "\"P2\"}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when: priority and priority_at_least together match no priority");
    load_fails("{" QUEUES "\"default\": {\"route\": \"desk\"}, \"update_cadence\": {\"P6\": "
               "\"1h\"}, \"rules\": []}",
               "update_cadence.P6: unknown priority 'P6'");
}

static void load__invalid_json__reports_line(void **state)
{
    struct hd_policy *p = NULL;
    struct hd_err err = HD_ERR_INIT;
    const char *json = "{\n  \"queues\": [\n    {\"name\": \"desk\" \"tier\": 1}\n  ]\n}\n";
    (void)state;
    assert_int_equal(hd_policy_load_text(json, strlen(json), "p.json", &p, NULL, NULL, &err),
                     HD_EINPUT);
    assert_null(p);
    assert_string_equal(err.src, "p.json");
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "invalid JSON: "));
    load_fails("", "invalid JSON: ");
    load_fails("42", "invalid JSON: ");
}

static void load__escalation_contradictions__refused(void **state)
{
    (void)state;
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"identity\", "
                      "\"escalate_to_security\": true}}"),
               "rules[0].then.route: queue 'identity' is not a security queue, but "
               "escalate_to_security is true");
    load_fails(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"soc\", "
                      "\"escalate_to_security\": false}}"),
               "rules[0].then.route: queue 'soc' is a security queue, but escalate_to_security "
               "is false");
    load_fails(POLICY("{\"id\": \"a\", \"when\": {\"repeat\": {\"same\": \"user\", \"count\": 2, "
                      "\"within\": \"1h\"}}, \"then\": {\"route\": \"soc\"}}"),
               "rules[0].when.repeat.same: unknown key 'user'");
    load_fails("{\"version\": 2," QUEUES "\"default\": {\"route\": \"desk\"}, \"rules\": []}",
               "version: unsupported version 2 (this handoff reads version 1)");
}

/* ---- Shadowing warnings ------------------------------------------------------------- */

static void load__shadowed_rules__warn_once_each_and_still_load(void **state)
{
    struct warnings w = {0};
    struct hd_policy *p;
    (void)state;
    /* Same conditions. */
    p = load_ok(POLICY("{\"id\": \"a\", \"when\": {\"keywords\": \"mfa\"}, \"then\": {\"route\": "
                       "\"identity\"}},"
                       "{\"id\": \"b\", \"when\": {\"keywords\": \"MFA\"}, \"then\": {\"route\": "
                       "\"soc\"}}"),
                &w);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.last, "rules[1]: rule 'b' can never match: the earlier rules[0] 'a' "
                                "has a subset of its conditions and matches first");
    hd_policy_free(p);
    /* An unconditional rule shadows everything after it. */
    memset(&w, 0, sizeof(w));
    p = load_ok(POLICY("{\"id\": \"all\", \"then\": {\"route\": \"identity\"}},"
                       "{\"id\": \"b\", \"when\": {\"priority\": \"P1\"}, \"then\": {\"route\": "
                       "\"soc\"}},"
                       "{\"id\": \"c\", \"when\": {\"client\": \"acme\"}, \"then\": {\"route\": "
                       "\"soc\"}}"),
                &w);
    assert_int_equal(w.n, 2);
    assert_non_null(strstr(w.last, "rules[2]: rule 'c'"));
    assert_non_null(strstr(w.last, "rules[0] 'all'"));
    hd_policy_free(p);
    /* Earlier rule with a subset of the conditions and wider value lists. */
    memset(&w, 0, sizeof(w));
    p = load_ok(POLICY("{\"id\": \"a\", \"when\": {\"category\": [\"Network\", \"VPN\"], "
                       "\"priority_at_least\": \"P3\"}, \"then\": {\"route\": \"network\"}},"
                       "{\"id\": \"b\", \"when\": {\"category\": \"vpn\", \"priority\": \"P2\", "
                       "\"keywords\": \"down\"}, \"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"c\", \"when\": {\"category\": \"vpn\"}, \"then\": "
                       "{\"route\": \"soc\"}}"),
                &w);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.last, "rules[1]: rule 'b'"));
    hd_policy_free(p);
    /* Repeat: a stricter later pattern on the same key is shadowed. */
    memset(&w, 0, sizeof(w));
    p = load_ok(POLICY("{\"id\": \"a\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": "
                       "2, \"within\": \"2h\"}}, \"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"b\", \"when\": {\"keywords\": \"x\", \"repeat\": {\"same\": "
                       "\"asset\", \"count\": 3, \"within\": \"1h\"}}, \"then\": {\"route\": "
                       "\"soc\"}}"),
                &w);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.last, "rules[1]: rule 'b'"));
    hd_policy_free(p);
}

static void load__more_general_later_rules__no_warning(void **state)
{
    struct warnings w = {0};
    struct hd_policy *p;
    (void)state;
    p = load_ok(
        POLICY("{\"id\": \"a\", \"when\": {\"keywords\": \"mfa\", \"requester_tier\": \"vip\"}, "
               "\"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"b\", \"when\": {\"keywords\": [\"mfa\", \"2fa\"]}, \"then\": "
               "{\"route\": \"identity\"}},"
               "{\"id\": \"c\", \"when\": {\"keywords\": \"mfa\", \"keywords_in\": \"title\"}, "
               "\"then\": {\"route\": \"identity\"}},"
               "{\"id\": \"d\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": 3, "
               "\"within\": \"1h\"}}, \"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"e\", \"when\": {\"repeat\": {\"same\": \"asset\", \"count\": 2, "
               "\"within\": \"1h\"}}, \"then\": {\"route\": \"soc\"}},"
               "{\"id\": \"f\", \"when\": {\"repeat\": {\"same\": \"requester\", \"count\": 3, "
               "\"within\": \"1h\"}}, \"then\": {\"route\": \"soc\"}}"),
        &w);
    /* c is shadowed by b (mfa in any field covers mfa in the title); nothing else is. */
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.last, "rules[2]: rule 'c'"));
    hd_policy_free(p);
    /* Without a callback, warnings are dropped silently. */
    p = load_ok(POLICY("{\"id\": \"a\", \"then\": {\"route\": \"soc\"}},"
                       "{\"id\": \"b\", \"then\": {\"route\": \"soc\"}}"),
                NULL);
    hd_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load__sample_policies__load_without_error_or_warning),
        cmocka_unit_test(load__bad_samples__each_fails_with_its_json_path),
        cmocka_unit_test(load__missing_file__eio),
        cmocka_unit_test(queues__query__names_tiers_security_groups),
        cmocka_unit_test(rules__query__count_ids_descriptions_in_order),
        cmocka_unit_test(load__name_field__wins_over_file_name),
        cmocka_unit_test(decide__keyword__case_insensitive_in_title),
        cmocka_unit_test(decide__keyword__whole_words_only),
        cmocka_unit_test(decide__keyword_phrase__matches_words_in_sequence),
        cmocka_unit_test(decide__keyword_phrase__longest_allowed_and_utf8_bytes),
        cmocka_unit_test(decide__keyword_scan__separators_are_exactly_non_alnum_ascii),
        cmocka_unit_test(decide__keyword_scan__words_and_phrases_across_64_byte_blocks),
        cmocka_unit_test(decide__keywords_in__restricts_the_fields_searched),
        cmocka_unit_test(decide__category_and_subcategory__case_insensitive_equality),
        cmocka_unit_test(decide__priority_list_and_at_least__p1_most_urgent),
        cmocka_unit_test(decide__asset_tier_client_channel__each_condition),
        cmocka_unit_test(decide__all_conditions_of_a_rule__must_hold),
        cmocka_unit_test(decide__first_matching_rule__decides),
        cmocka_unit_test(decide__no_rule_matches__default_route_decides),
        cmocka_unit_test(decide__actions__priority_note_cadence_and_fallbacks),
        cmocka_unit_test(decide__route_to_security_queue__is_an_escalation),
        cmocka_unit_test(timers__parse__condition_after_priority_queue),
        cmocka_unit_test(timers__errors__each_names_its_path),
        cmocka_unit_test(repeat__nth_inside_window_fires__just_outside_does_not),
        cmocka_unit_test(repeat__window_across_midnight__counts_absolute_time),
        cmocka_unit_test(repeat__window_across_dst_change__is_real_hours_not_wall_clock),
        cmocka_unit_test(repeat__keys__separate_per_requester_and_case_insensitive),
        cmocka_unit_test(repeat__only_tickets_meeting_other_conditions__count),
        cmocka_unit_test(repeat__tickets_decided_by_earlier_rules__still_count),
        cmocka_unit_test(repeat__many_keys__tables_shed_expired_keys_and_stay_exact),
        cmocka_unit_test(decide__ticket_out_of_time_order__eusage_with_repeat_rules),
        cmocka_unit_test(load__unknown_queue__names_path_and_queue),
        cmocka_unit_test(load__unknown_field__at_every_level),
        cmocka_unit_test(load__bad_duration__names_path_and_text),
        cmocka_unit_test(load__wrong_type__names_expected_and_actual),
        cmocka_unit_test(load__missing_required_fields__named_by_path),
        cmocka_unit_test(load__duplicate_ids_and_names__refused),
        cmocka_unit_test(load__empty_keywords__refused),
        cmocka_unit_test(load__bad_priority__names_path_and_value),
        cmocka_unit_test(load__invalid_json__reports_line),
        cmocka_unit_test(load__escalation_contradictions__refused),
        cmocka_unit_test(load__shadowed_rules__warn_once_each_and_still_load),
        cmocka_unit_test(load__more_general_later_rules__no_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
