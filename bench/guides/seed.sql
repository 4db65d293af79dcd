-- 10,000 published guides with German text, for the guides benchmark. Run against a
-- database the academy has migrated. Titles, summaries and bodies are combined from
-- phrase pools, so searches hit some guides and not others, as in real use.
BEGIN;

INSERT INTO organisations (id, name, kind, website, role_profiles, created_at, updated_at, version)
SELECT gen_random_uuid(), 'Beispielorganisation ' || n, 'foundation', NULL, 'advise', now(), now(), 1
FROM generate_series(1, 20) AS n;

CREATE TEMP TABLE seed AS
WITH pools AS (
  SELECT
    ARRAY['Beteiligung', 'Nachbarschaft', 'Grünflächen', 'Quartiersmanagement', 'Integration',
          'Wohnumfeld', 'Klimaanpassung', 'Mobilität', 'Nahversorgung', 'Bildungsorte',
          'Sicherheit', 'Inklusion', 'Stadtteilarbeit', 'Ehrenamt', 'Jugendbeteiligung'] AS heads,
    ARRAY['im Quartier stärken', 'dauerhaft sichern', 'gemeinsam planen',
          'mit Bewohnerinnen und Bewohnern gestalten', 'in kleinen Kommunen organisieren',
          'verlässlich finanzieren', 'wirksam vermitteln', 'Schritt für Schritt umsetzen'] AS tails,
    ARRAY['Viele Kommunen beteiligen ihre Bürgerinnen und Bürger erst spät an der Planung.',
          'Ein Quartiersbüro vor Ort senkt die Schwelle für Gespräche deutlich.',
          'Die Verwaltung braucht feste Ansprechpersonen für Vereine und Initiativen.',
          'Fördermittel aus dem Programm Sozialer Zusammenhalt lassen sich mit Landesmitteln verbinden.',
          'Wohnungsunternehmen sind wichtige Partner bei der Gestaltung des Wohnumfelds.',
          'Spielplätze und Grünflächen werden zu Orten der Begegnung, wenn Nachbarn mitplanen.',
          'Ehrenamtliche brauchen Anerkennung, Räume und verlässliche Unterstützung.',
          'Mehrsprachige Informationen erreichen Menschen, die sonst nicht teilnehmen würden.',
          'Ein integriertes Entwicklungskonzept bündelt Maßnahmen über Ressortgrenzen hinweg.',
          'Klimaanpassung gelingt, wenn Schatten, Wasser und Grün zusammen gedacht werden.',
          'Kurze Wege zur Nahversorgung stärken das Leben im Quartier.',
          'Jugendliche beteiligen sich eher an konkreten Projekten als an langen Sitzungen.',
          'Die Verstetigung beginnt lange vor dem Ende der Förderung.',
          'Erfolgsfaktoren sind Geduld, klare Ziele und sichtbare erste Ergebnisse.',
          'Widerstände entstehen oft dort, wo Erwartungen nicht geklärt wurden.',
          'Eine Stadtteilkonferenz bringt Verwaltung, Politik und Akteure an einen Tisch.'] AS sentences,
    ARRAY['neighbourhood-integration-inclusion', 'activation-participation',
          'social-cultural-infrastructure', 'public-spaces', 'housing', 'image-safety',
          'climate-environmental-justice', 'sustainable-mobility', 'local-economy-employment',
          'local-supply-services'] AS fields,
    (SELECT array_agg(id ORDER BY name) FROM organisations) AS organisations
)
SELECT
  n,
  gen_random_uuid() AS guide_id,
  gen_random_uuid() AS revision_id,
  organisations[1 + n % array_length(organisations, 1)] AS organisation_id,
  fields[1 + (n * 7) % 10] AS field,
  heads[1 + n % 15] || ' ' || tails[1 + (n * 3) % 8] || ' (' || n || ')' AS title,
  sentences[1 + n % 16] || ' ' || sentences[1 + (n * 5) % 16] AS summary,
  sentences[1 + (n * 3) % 16] || ' ' || sentences[1 + (n * 11) % 16] || ' ' || sentences[1 + (n * 13) % 16] AS context,
  sentences[1 + (n * 7) % 16] || ' ' || sentences[1 + (n * 2) % 16] AS success,
  sentences[1 + (n * 17) % 16] AS pitfalls,
  sentences[1 + (n * 19) % 16] || E'\n\n' || sentences[1 + (n * 23) % 16] || ' ' || sentences[1 + (n * 29) % 16] AS body,
  now() - n * interval '7 minutes' AS at
FROM pools, generate_series(1, 10000) AS n;

INSERT INTO guides (id, slug, organisation_id, created_by, created_at, updated_at, version)
SELECT guide_id, 'bench-guide-' || n, organisation_id, organisation_id, at, at, 2 FROM seed;

INSERT INTO guide_revisions (id, guide_id, number, state, title, summary, context, steps,
  success_factors, pitfalls, body, language, reading_minutes, created_by, created_at,
  updated_at, submitted_at, submitted_by, published_at, published_by)
SELECT revision_id, guide_id, 1, 'published', title, summary, context,
  '[{"title": "Ziele klären", "body": "Wer entscheidet worüber mit?"}, {"title": "Formate wählen", "body": "Vom Quartiersspaziergang bis zur Stadtteilkonferenz."}]'::jsonb,
  success, pitfalls, body, 'de', 8, organisation_id, at, at, at, organisation_id, at, organisation_id
FROM seed;

UPDATE guides SET live_revision_id = seed.revision_id FROM seed WHERE guides.id = seed.guide_id;

INSERT INTO guide_revision_fields_of_action (revision_id, field_of_action_slug)
SELECT revision_id, field FROM seed;

INSERT INTO guide_search (guide_id, title, content)
SELECT guide_id, title,
  summary || E'\n\n' || context || E'\n\nZiele klären\n\nWer entscheidet worüber mit?\n\nFormate wählen\n\nVom Quartiersspaziergang bis zur Stadtteilkonferenz.\n\n'
  || success || E'\n\n' || pitfalls || E'\n\n' || body
FROM seed;

COMMIT;
ANALYZE;
