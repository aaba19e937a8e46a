"""Matching: ranking workers for jobs and jobs for workers, and the match lifecycle.

The scoring engine is pure and vectorised (no database, no framework): plain records
(`records`) become cached feature columns (`features`, `cache`), hard constraints remove
candidates (`constraints`), soft factors score the rest (`factors`, `weights`), `scoring`
ranks whole columns at once, `explain` turns a breakdown into English and Japanese, and
`staffing` fills the openings of several shift jobs with an optimal assignment.
"""
