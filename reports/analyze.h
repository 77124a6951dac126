#ifndef HD_REPORTS_ANALYZE_H
#define HD_REPORTS_ANALYZE_H

/*
 * Rendering `handoff analyze` results: the summary document of
 * analyzer/summary.h as readable text or Markdown, and findings as CSV or
 * text lines with their evidence (file:line of the rows behind them).
 * Writers return 0, or -1 when the stream reports an error.
 */

#include <stdio.h>

struct json_t;
struct an_data;
struct an_result;
struct an_filter;

int rpt_analyze_text(FILE *f, const struct json_t *summary);
int rpt_analyze_md(FILE *f, const struct json_t *summary);

/* One line per finding: ticket,kind,time,group,other_group,value_ms,value,evidence. */
int rpt_findings_csv(FILE *f, const struct an_data *d, const struct an_result *r,
                     const struct an_filter *flt);

#endif
