-- Monitor figures (indicators/DEFINITIONS.md, "Monitor") are distributions over a vocabulary: contact
-- attempts by DDAS soort, case results by eindresultaat, financial signals by month. `category`
-- holds that value; null for the figures that have none.
alter table agg_indicator add column if not exists category varchar;
