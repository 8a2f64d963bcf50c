-- The evaluators' report of each year as the nightly drew it (indicators/report.py store_reports).
-- Drawing its charts takes ~0.5 s a year for a region and ~8 s at country scale: far too long for
-- the evaluator page's first view (issue 18: ≤ 500 ms), and the same for everyone until the next
-- night. `inputs_sha256` names what a body was drawn from (the year's and the baseline year's
-- figures, the first dates of the sources, the closing line, the renderer's code and
-- configuration), so a night draws again only a year whose inputs changed: the open years.
create table if not exists rpt_indicator_report (
    year           integer primary key,
    inputs_sha256  varchar not null,
    body_html      varchar not null,
    rendered_at    timestamptz not null
);
