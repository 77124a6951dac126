#ifndef HD_REPORTS_AUDIT_H
#define HD_REPORTS_AUDIT_H

/*
 * Rendering `handoff audit` results (analyzer/audit.h). rpt_audit_json()
 * builds the one document that the text and Markdown renderers read, so
 * every format shows the same figures; the CSV has one row per ticket.
 * Writers return 0, or -1 when the stream reports an error.
 */

#include <stdio.h>

struct an_audit;
struct an_data;
struct hd_policy;
struct json_t;

/*
 * The audit as a JSON document: "policy", "tickets", "adherence",
 * "security", "rules" (rules, then "default", then timers; "fired" counts the
 * tickets each decided or fired on), "never_fired",
 * "earlier" (by lead time, longest first), "missed" and "tickets_detail"
 * (one object per audited ticket, in opening order). Durations are in ms;
 * absent ones are null. The caller owns the result (json_decref).
 */
struct json_t *rpt_audit_json(const struct an_data *d, const struct hd_policy *p,
                              const struct an_audit *a);

/*
 * Readable text or Markdown from that document. `top` bounds the ticket
 * lists (earlier, missed, per ticket); 0 shows them whole.
 */
int rpt_audit_text(FILE *f, const struct json_t *doc, int top);
int rpt_audit_md(FILE *f, const struct json_t *doc, int top);

/*
 * One line per audited ticket, with a header: ticket,client,opened,rule,
 * keyword,policy_queue,policy_security,security_by,decision_ms,
 * actual_first_group,adherent,actual_security,tte_ms,lead_ms,missed.
 */
int rpt_audit_csv(FILE *f, const struct an_data *d, const struct hd_policy *p,
                  const struct an_audit *a);

#endif
