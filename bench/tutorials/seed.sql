-- Video tutorials for the tutorials benchmark: 2,000 published tutorials with German
-- transcripts (3 in 5 with approved German captions, 1 in 5 with captions still in draft)
-- and their search index rows, and 1,000 confirmed learners who watch. Tutorial 1
-- (`bench-tutorial-1`) is the one watched: 60 minutes, approved German captions. Run
-- against a database the academy has migrated; the learners' password hash is copied from
-- the account `bench-admin@example.org` created beforehand, which also authors and
-- publishes every tutorial. Texts are combined from phrase pools, so searches hit some
-- tutorials and not others, as in real use ("Klimaanpassung": ≈ 30 %).
BEGIN;

INSERT INTO organisations (id, name, kind, website, role_profiles, created_at, updated_at, version)
SELECT gen_random_uuid(), 'Beispielorganisation ' || n, 'foundation', NULL, 'advise', now(), now(), 1
FROM generate_series(1, 20) AS n;

-- Viewer n has the id 00000000-0000-4000-8000-1000000nnnnn, so that pgbench can name it.
INSERT INTO users (id, email, email_normalized, display_name, password_hash, roles, organisation_id,
                   municipality_id, status, email_verified_at, last_login_at, created_at, updated_at, version)
SELECT ('00000000-0000-4000-8000-' || (100000000000 + n))::uuid,
       'zuschauer-' || n || '@example.org', 'zuschauer-' || n || '@example.org',
       'Zuschauerin ' || n, (SELECT password_hash FROM users WHERE email = 'bench-admin@example.org'),
       'learner', NULL, NULL, 'active', now(), NULL, now(), now(), 1
FROM generate_series(1, 1000) AS n;

CREATE TEMP TABLE seed AS
WITH pools AS (
  SELECT
    ARRAY['Beteiligung', 'Nachbarschaft', 'Grünflächen', 'Quartiersmanagement', 'Integration',
          'Wohnumfeld', 'Klimaanpassung', 'Mobilität', 'Nahversorgung', 'Bildungsorte',
          'Sicherheit', 'Inklusion', 'Stadtteilarbeit', 'Ehrenamt', 'Jugendbeteiligung'] AS heads,
    ARRAY['im Quartier stärken', 'dauerhaft sichern', 'gemeinsam planen',
          'mit Bewohnerinnen und Bewohnern gestalten', 'in kleinen Kommunen organisieren',
          'verlässlich finanzieren', 'wirksam vermitteln', 'Schritt für Schritt umsetzen'] AS tails,
    ARRAY['neighbourhood-integration-inclusion', 'activation-participation',
          'social-cultural-infrastructure', 'public-spaces', 'housing', 'image-safety',
          'climate-environmental-justice', 'sustainable-mobility', 'local-economy-employment',
          'local-supply-services'] AS fields,
    (SELECT array_agg(id ORDER BY name) FROM organisations) AS organisations
)
SELECT
  n,
  gen_random_uuid() AS tutorial_id,
  gen_random_uuid() AS revision_id,
  gen_random_uuid() AS track_id,
  organisations[1 + n % array_length(organisations, 1)] AS organisation_id,
  fields[1 + (n * 7) % 10] AS field,
  heads[1 + n % 15] AS topic,
  heads[1 + n % 15] || ' ' || tails[1 + (n * 3) % 8] || ' (' || n || ')' AS title,
  CASE WHEN n = 1 THEN 3600000 ELSE (300 + (n * 37) % 2400) * 1000 END::bigint AS duration_ms,
  (ARRAY['impulse', 'orientation', 'in_depth'])[1 + n % 3] AS kind,
  CASE WHEN n % 5 IN (0, 1, 2) THEN 'approved' WHEN n % 5 = 3 THEN 'draft' END AS captions,
  (SELECT id FROM users WHERE email = 'bench-admin@example.org') AS author,
  now() - n * interval '13 minutes' AS at
FROM pools, generate_series(1, 2000) AS n;

-- What each tutorial says, one sentence every 6 s: the transcript, and the cues of its
-- captions (a 25-minute tutorial: 250 cues, ≈ 20 KB of text).
CREATE TEMP TABLE spoken AS
WITH pool AS (
  SELECT ARRAY[
    'In diesem Abschnitt schauen wir uns an, wie Beteiligung im Quartier vorbereitet wird.',
    'Ein Quartiersbüro vor Ort senkt die Schwelle für Gespräche deutlich.',
    'Die Verwaltung braucht feste Ansprechpersonen für Vereine und Initiativen.',
    'Fördermittel aus dem Programm Sozialer Zusammenhalt lassen sich mit Landesmitteln verbinden.',
    'Wohnungsunternehmen sind wichtige Partner bei der Gestaltung des Wohnumfelds.',
    'Spielplätze und Grünflächen werden zu Orten der Begegnung, wenn Nachbarn mitplanen.',
    'Ehrenamtliche brauchen Anerkennung, Räume und verlässliche Unterstützung.',
    'Mehrsprachige Informationen erreichen Menschen, die sonst nicht teilnehmen würden.',
    'Ein integriertes Entwicklungskonzept bündelt Maßnahmen über Ressortgrenzen hinweg.',
    'Kurze Wege zur Nahversorgung stärken das Leben im Quartier.',
    'Jugendliche beteiligen sich eher an konkreten Projekten als an langen Sitzungen.',
    'Die Verstetigung beginnt lange vor dem Ende der Förderung.',
    'Erfolgsfaktoren sind Geduld, klare Ziele und sichtbare erste Ergebnisse.',
    'Widerstände entstehen oft dort, wo Erwartungen nicht geklärt wurden.',
    'Eine Stadtteilkonferenz bringt Verwaltung, Politik und Akteure an einen Tisch.',
    'Unsere Gesprächspartnerin berichtet aus drei Jahren Arbeit im Quartiersmanagement.',
    'Auf der Folie sehen Sie die wichtigsten Schritte noch einmal im Überblick.',
    'Fragen Sie früh, wer von einer Entscheidung betroffen ist und wer mitentscheiden soll.',
    'Ein Beteiligungsformat sollte zur Zielgruppe, zum Ort und zur Tageszeit passen.',
    'Dokumentieren Sie Ergebnisse so, dass alle Beteiligten sie nachvollziehen können.'] AS sentences
)
SELECT s.n, k AS seq,
  CASE
    WHEN k = 0 THEN 'Willkommen zu diesem Video über ' || s.topic || '.'
    WHEN k = 15 AND s.n % 4 = 0 THEN 'Klimaanpassung gelingt, wenn Schatten, Wasser und Grün zusammen gedacht werden.'
    WHEN k = s.duration_ms / 6000 - 1 THEN 'Im nächsten Teil vertiefen wir ' || s.topic || ' an einem Beispiel aus der Praxis.'
    ELSE sentences[1 + abs(hashtext(s.n || ':' || k)) % 20]
  END AS text,
  k * 6000::bigint AS start_ms,
  k * 6000::bigint + 6000 AS end_ms
FROM seed s, pool, generate_series(0, (s.duration_ms / 6000)::int - 1) AS k;

INSERT INTO tutorials (id, slug, organisation_id, created_by, created_at, updated_at, version)
SELECT tutorial_id, 'bench-tutorial-' || n, organisation_id, author, at, at, 2 FROM seed;

INSERT INTO tutorial_revisions (id, tutorial_id, number, state, publish_at, title, summary, description,
  language, duration_ms, kind, speakers, licence, related_guides, chapters,
  easy_language_tutorial_id, completion_threshold, review_comment, change_note, created_by,
  created_at, updated_at, submitted_at, submitted_by, published_at, published_by)
SELECT revision_id, tutorial_id, 1, 'published', NULL, title,
  'Ein Video-Tutorial über ' || topic || ' für Kommunen und Träger vor Ort.',
  'Praxiswissen zu ' || topic || ' aus Gesprächen mit Fachleuten, mit Beispielen aus geförderten Quartieren.',
  'de', duration_ms, kind, jsonb_build_array('Referentin ' || (1 + n % 40)),
  CASE WHEN n % 2 = 0 THEN 'CC-BY-4.0' END, '[]'::jsonb,
  jsonb_build_array(
    jsonb_build_object('startMs', 0, 'title', 'Einführung'),
    jsonb_build_object('startMs', duration_ms / 3, 'title', topic || ' in der Praxis'),
    jsonb_build_object('startMs', 2 * (duration_ms / 3), 'title', 'Fragen und Antworten')),
  NULL, 0.9, NULL, NULL, author, at, at, at, author, at, author
FROM seed;

UPDATE tutorials SET live_revision_id = seed.revision_id FROM seed WHERE tutorials.id = seed.tutorial_id;

INSERT INTO tutorial_revision_fields_of_action (revision_id, field_of_action_slug)
SELECT revision_id, field FROM seed;

INSERT INTO tutorial_sources (id, tutorial_id, role, delivery, url, file_id, media_type, height,
  bitrate_kbps, created_by, created_at)
SELECT gen_random_uuid(), tutorial_id, 'main', 'embed',
  'https://video.example.org/embed/bench-tutorial-' || n, NULL, NULL, NULL, NULL, author, at
FROM seed;

INSERT INTO tutorial_transcripts (tutorial_id, language, body, updated_by, updated_at)
SELECT s.tutorial_id, 'de', string_agg(p.text, ' ' ORDER BY p.seq), s.author, s.at
FROM seed s JOIN spoken p USING (n)
GROUP BY s.tutorial_id, s.author, s.at;

INSERT INTO tutorial_tracks (id, tutorial_id, kind, language, label, is_default, provenance, status,
  body, sha256, cue_count, last_cue_end_ms, created_by, created_at, updated_at, approved_by, approved_at)
SELECT s.track_id, s.tutorial_id, 'captions', 'de', 'Deutsch', true, 'human', s.captions, v.body,
  encode(sha256(convert_to(v.body, 'UTF8')), 'hex'), v.cues, v.last_end, s.author, s.at, s.at,
  CASE WHEN s.captions = 'approved' THEN s.author END,
  CASE WHEN s.captions = 'approved' THEN s.at END
FROM seed s
JOIN LATERAL (
  SELECT 'WEBVTT' || E'\n\n' || string_agg(
           to_char(make_interval(secs => p.start_ms / 1000.0), 'HH24:MI:SS.MS') || ' --> ' ||
           to_char(make_interval(secs => p.end_ms / 1000.0), 'HH24:MI:SS.MS') || E'\n' || p.text,
           E'\n\n' ORDER BY p.seq) || E'\n' AS body,
         count(*) AS cues, max(p.end_ms) AS last_end
  FROM spoken p WHERE p.n = s.n
) AS v ON true
WHERE s.captions IS NOT NULL;

INSERT INTO tutorial_cues (track_id, seq, tutorial_id, start_ms, end_ms, text)
SELECT s.track_id, p.seq, s.tutorial_id, p.start_ms, p.end_ms, p.text
FROM seed s JOIN spoken p USING (n)
WHERE s.captions IS NOT NULL;

-- The search index as publishing writes it: summary, description, chapter titles, the
-- transcript and the text of the approved captions.
INSERT INTO tutorial_search (tutorial_id, title, content)
SELECT s.tutorial_id, r.title,
  concat_ws(E'\n\n', r.summary, r.description, 'Einführung', s.topic || ' in der Praxis',
    'Fragen und Antworten', t.body,
    CASE WHEN s.captions = 'approved' THEN
      (SELECT string_agg(c.text, ' ' ORDER BY c.seq) FROM tutorial_cues c WHERE c.track_id = s.track_id)
    END)
FROM seed s
JOIN tutorial_revisions r ON r.id = s.revision_id
JOIN tutorial_transcripts t ON t.tutorial_id = s.tutorial_id;

COMMIT;
ANALYZE;
