"""`remiss serve`: a local web app for staff, a thin layer over the `remiss` command.

A remiss is a project (`projects`): its themes, its uploaded files (`uploads`), and one output
folder that `remiss analyze` writes, run in the background as the command itself (`jobs`). The
pages (`app`, templates here and the report's own in `pipeline/export/templates`) read that
folder's tables (`review`) and write corrections into its `corrections.csv`, exactly as the
command-line correction loop does. `security` keeps it local unless a token is given.
"""
