"""`advisor check`: decision records kept honest against the rules in force.

records     find, read and validate decision records (YAML or Markdown front matter), with line-aware errors
report      findings, each record's result, the report, and the check's own rules (CHECK_RULES)
evaluators  where recommendations come from: the Evaluator interface and this process's rules
remote      an advisor service as the evaluator: an HTTP client with a deadline, a size cap and reply shapes
compare     a decided platform against the recommendation -> findings; waivers; the whole report
formats     the report in each output format, one function each, registered in FORMATTERS
"""
