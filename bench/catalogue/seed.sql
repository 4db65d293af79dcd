-- Content for the catalogue benchmark: 10,000 published guides, 2,000 published video
-- tutorials and 300 published courses of 20 organisations, with German texts combined
-- from phrase pools, so that searches hit some items and not others, as in real use
-- ("Klimaanpassung": ≈ 30 % of all items; the phrase "Beteiligung im Quartier" in ≈ 10 %
-- of each type). Every live revision is linked to fields of action, phases and audiences;
-- every tenth has a co-publisher. Tutorials carry transcripts and captions as in
-- bench/tutorials/seed.sql, some of them also an audio description, a sign-language
-- video or a Leichte-Sprache variant. Courses have two modules of four lessons (text,
-- a guide, a tutorial, text).
--
-- Run against a database the academy has migrated, after `academy create-admin --email
-- bench-admin@example.org` (that account authors and publishes everything). The last
-- statement tells the server to rebuild its catalogue read model from the live content
-- when it starts.
BEGIN;

INSERT INTO organisations (id, name, kind, website, role_profiles, created_at, updated_at, version)
SELECT gen_random_uuid(), 'Beispielorganisation ' || n, 'foundation', NULL, 'advise', now(), now(), 1
FROM generate_series(1, 20) AS n;

-- Shared by all three types: organisations, author, taxonomy slugs.
CREATE TEMP TABLE pools AS
SELECT
  (SELECT array_agg(id ORDER BY name) FROM organisations) AS organisations,
  (SELECT id FROM users WHERE email = 'bench-admin@example.org') AS author,
  ARRAY['Beteiligung', 'Nachbarschaft', 'Grünflächen', 'Quartiersmanagement', 'Integration',
        'Wohnumfeld', 'Klimaanpassung', 'Mobilität', 'Nahversorgung', 'Bildungsorte',
        'Sicherheit', 'Inklusion', 'Stadtteilarbeit', 'Ehrenamt', 'Jugendbeteiligung'] AS heads,
  ARRAY['im Quartier stärken', 'dauerhaft sichern', 'gemeinsam planen',
        'mit Bewohnerinnen und Bewohnern gestalten', 'in kleinen Kommunen organisieren',
        'verlässlich finanzieren', 'wirksam vermitteln', 'Schritt für Schritt umsetzen'] AS tails,
  -- No sentence here names "Klimaanpassung" or says "Beteiligung im Quartier": both are
  -- added by explicit rules below, so their shares stay as stated above.
  ARRAY['Viele Kommunen beteiligen ihre Bürgerinnen und Bürger erst spät an der Planung.',
        'Ein Quartiersbüro vor Ort senkt die Schwelle für Gespräche deutlich.',
        'Die Verwaltung braucht feste Ansprechpersonen für Vereine und Initiativen.',
        'Fördermittel aus dem Programm Sozialer Zusammenhalt lassen sich mit Landesmitteln verbinden.',
        'Wohnungsunternehmen sind wichtige Partner bei der Gestaltung des Wohnumfelds.',
        'Spielplätze und Grünflächen werden zu Orten der Begegnung, wenn Nachbarn mitplanen.',
        'Ehrenamtliche brauchen Anerkennung, Räume und verlässliche Unterstützung.',
        'Mehrsprachige Informationen erreichen Menschen, die sonst nicht teilnehmen würden.',
        'Ein integriertes Entwicklungskonzept bündelt Maßnahmen über Ressortgrenzen hinweg.',
        'Schattige Plätze, offene Wasserflächen und Bäume machen heiße Sommer erträglicher.',
        'Kurze Wege zur Nahversorgung stärken das Leben im Quartier.',
        'Jugendliche beteiligen sich eher an konkreten Projekten als an langen Sitzungen.',
        'Die Verstetigung beginnt lange vor dem Ende der Förderung.',
        'Erfolgsfaktoren sind Geduld, klare Ziele und sichtbare erste Ergebnisse.',
        'Widerstände entstehen oft dort, wo Erwartungen nicht geklärt wurden.',
        'Eine Stadtteilkonferenz bringt Verwaltung, Politik und Akteure an einen Tisch.'] AS sentences,
  'Klimaanpassung gelingt, wenn Schatten, Wasser und Grün zusammen gedacht werden.' AS climate,
  'Beteiligung im Quartier braucht feste Orte, feste Zeiten und verlässliche Rückmeldungen.' AS participation,
  ARRAY['neighbourhood-integration-inclusion', 'activation-participation',
        'social-cultural-infrastructure', 'public-spaces', 'housing', 'image-safety',
        'climate-environmental-justice', 'sustainable-mobility', 'local-economy-employment',
        'local-supply-services'] AS fields,
  ARRAY['concept', 'implementation', 'consolidation'] AS phases,
  ARRAY['administration', 'policy-makers', 'neighbourhood-management', 'local-actors',
        'housing-companies', 'civil-society'] AS audiences;

-- Taxonomy of item n (the same rules for every type): one field of action, a second one
-- for every third item; one phase, a second for every fifth; one audience, a second for
-- every other; a co-publisher for every tenth. `climate-environmental-justice` is the
-- field of ≈ 13 % of the items.
CREATE TEMP TABLE terms AS
SELECT n,
  array_remove(ARRAY[fields[1 + (n * 7) % 10],
                     CASE WHEN n % 3 = 0 THEN fields[1 + (n * 7 + 3) % 10] END], NULL) AS fields,
  array_remove(ARRAY[phases[1 + n % 3],
                     CASE WHEN n % 5 = 0 THEN phases[1 + (n + 1) % 3] END], NULL) AS phases,
  array_remove(ARRAY[audiences[1 + n % 6],
                     CASE WHEN n % 2 = 0 THEN audiences[1 + (n + 3) % 6] END], NULL) AS audiences,
  CASE WHEN n % 10 = 0 THEN organisations[1 + (n + 7) % 20] END AS co_publisher
FROM pools, generate_series(1, 10000) AS n;

---------------------------------------------------------------------------------------------
-- Guides, as bench/guides/seed.sql writes them. "Klimaanpassung": in the context of
-- n % 20 ∈ {0, 3, 7, 10, 14} and in the titles of n % 15 = 6 (disjoint): ≈ 32 %.
---------------------------------------------------------------------------------------------
CREATE TEMP TABLE guide_seed AS
SELECT
  n,
  gen_random_uuid() AS guide_id,
  gen_random_uuid() AS revision_id,
  organisations[1 + n % 20] AS organisation_id,
  author,
  heads[1 + n % 15] || ' ' || tails[1 + (n * 3) % 8] || ' (' || n || ')' AS title,
  sentences[1 + n % 16] || ' ' || sentences[1 + (n * 5) % 16] AS summary,
  sentences[1 + (n * 3) % 16] || ' ' || sentences[1 + (n * 11) % 16] || ' '
    || CASE WHEN n % 20 IN (0, 3, 7, 10, 14) THEN climate || ' ' ELSE '' END
    || sentences[1 + (n * 13) % 16] AS context,
  (ARRAY[
    '[{"title": "Ziele klären", "body": "Wer entscheidet worüber mit?"}, {"title": "Formate wählen", "body": "Vom Quartiersspaziergang bis zur Stadtteilkonferenz."}]',
    '[{"title": "Partner finden", "body": "Verwaltung, Vereine und Wohnungsunternehmen an einen Tisch holen."}, {"title": "Mittel sichern", "body": "Förderprogramme und Eigenanteile früh klären."}]',
    '[{"title": "Ergebnisse festhalten", "body": "Eine kurze Dokumentation für alle, die mitgemacht haben."}, {"title": "Verstetigen", "body": "Zuständigkeiten nach dem Ende der Förderung festlegen."}]'
  ])[1 + n % 3]::jsonb AS steps,
  sentences[1 + (n * 7) % 16] || ' ' || sentences[1 + (n * 2) % 16] AS success,
  sentences[1 + (n * 17) % 16] AS pitfalls,
  -- Markdown, as editors write it.
  '**' || sentences[1 + (n * 19) % 16] || '**' || E'\n\n'
    || CASE WHEN n % 20 IN (1, 12) THEN participation || ' ' ELSE '' END
    || sentences[1 + (n * 23) % 16] || E'\n\n- ' || sentences[1 + (n * 29) % 16] AS body,
  now() - n * interval '7 minutes' AS at
FROM pools, generate_series(1, 10000) AS n;

INSERT INTO guides (id, slug, organisation_id, created_by, created_at, updated_at, version)
SELECT guide_id, 'bench-guide-' || n, organisation_id, author, at, at, 2 FROM guide_seed;

INSERT INTO guide_revisions (id, guide_id, number, state, title, summary, context, steps,
  success_factors, pitfalls, body, language, reading_minutes, created_by, created_at,
  updated_at, submitted_at, submitted_by, published_at, published_by)
SELECT revision_id, guide_id, 1, 'published', title, summary, context, steps,
  success, pitfalls, body, 'de', 4 + n % 9, author, at, at, at, author, at, author
FROM guide_seed;

UPDATE guides SET live_revision_id = s.revision_id FROM guide_seed s WHERE guides.id = s.guide_id;

INSERT INTO guide_revision_fields_of_action (revision_id, field_of_action_slug)
SELECT s.revision_id, f FROM guide_seed s JOIN terms USING (n), unnest(terms.fields) AS f;
INSERT INTO guide_revision_phases (revision_id, phase_slug)
SELECT s.revision_id, p FROM guide_seed s JOIN terms USING (n), unnest(terms.phases) AS p;
INSERT INTO guide_revision_audiences (revision_id, audience_slug)
SELECT s.revision_id, a FROM guide_seed s JOIN terms USING (n), unnest(terms.audiences) AS a;
INSERT INTO guide_revision_organisations (revision_id, organisation_id)
SELECT s.revision_id, terms.co_publisher FROM guide_seed s JOIN terms USING (n)
WHERE terms.co_publisher IS NOT NULL;

-- The per-type search index, as publishing writes it (GET /api/v1/guides?q=…).
INSERT INTO guide_search (guide_id, title, content)
SELECT guide_id, title,
  concat_ws(E'\n\n', summary, context,
    (SELECT string_agg(step->>'title' || E'\n\n' || (step->>'body'), E'\n\n') FROM jsonb_array_elements(steps) AS step),
    success, pitfalls, body)
FROM guide_seed;

---------------------------------------------------------------------------------------------
-- Tutorials, as bench/tutorials/seed.sql writes them (5–45 minutes, a transcript of one
-- sentence per 6 s, approved German captions for 3 in 5 and draft ones for 1 in 5).
-- Beyond that: an approved descriptions track for n % 10 = 0, a rendition with audio
-- description for n % 20 = 15, a sign-language video for n % 20 = 5, and for n % 25 = 0
-- a Leichte-Sprache variant (tutorial n + 1). "Klimaanpassung": spoken by n % 4 = 0, in
-- the title and summary of n % 15 = 6: 30 %.
---------------------------------------------------------------------------------------------
CREATE TEMP TABLE tutorial_seed AS
SELECT
  n,
  gen_random_uuid() AS tutorial_id,
  gen_random_uuid() AS revision_id,
  gen_random_uuid() AS track_id,
  gen_random_uuid() AS described_track_id,
  organisations[1 + n % 20] AS organisation_id,
  heads[1 + n % 15] AS topic,
  heads[1 + n % 15] || ' ' || tails[1 + (n * 3) % 8] || ' (' || n || ')' AS title,
  ((300 + (n * 37) % 2400) * 1000)::bigint AS duration_ms,
  (ARRAY['impulse', 'orientation', 'in_depth'])[1 + n % 3] AS kind,
  CASE WHEN n % 5 IN (0, 1, 2) THEN 'approved' WHEN n % 5 = 3 THEN 'draft' END AS captions,
  author,
  now() - n * interval '13 minutes' - interval '3 minutes' AS at
FROM pools, generate_series(1, 2000) AS n;

CREATE TEMP TABLE spoken AS
WITH pool AS (
  SELECT ARRAY[
    'In diesem Abschnitt schauen wir uns an, wie ein Beteiligungsformat vorbereitet wird.',
    'Ein Stadtteilbüro vor Ort senkt die Schwelle für Gespräche deutlich.',
    'Die Verwaltung braucht feste Ansprechpersonen für Vereine und Initiativen.',
    'Fördermittel aus dem Programm Sozialer Zusammenhalt lassen sich mit Landesmitteln verbinden.',
    'Wohnungsunternehmen sind wichtige Partner bei der Gestaltung des Wohnumfelds.',
    'Spielplätze und Grünflächen werden zu Orten der Begegnung, wenn Nachbarn mitplanen.',
    'Ehrenamtliche brauchen Anerkennung, Räume und verlässliche Unterstützung.',
    'Mehrsprachige Informationen erreichen Menschen, die sonst nicht teilnehmen würden.',
    'Ein integriertes Entwicklungskonzept bündelt Maßnahmen über Ressortgrenzen hinweg.',
    'Kurze Wege zur Nahversorgung stärken das Leben im Stadtteil.',
    'Jugendliche beteiligen sich eher an konkreten Projekten als an langen Sitzungen.',
    'Die Verstetigung beginnt lange vor dem Ende der Förderung.',
    'Erfolgsfaktoren sind Geduld, klare Ziele und sichtbare erste Ergebnisse.',
    'Widerstände entstehen oft dort, wo Erwartungen nicht geklärt wurden.',
    'Eine Stadtteilkonferenz bringt Verwaltung, Politik und Akteure an einen Tisch.',
    'Unsere Gesprächspartnerin berichtet aus drei Jahren Arbeit in der Stadtteilkoordination.',
    'Auf der Folie sehen Sie die wichtigsten Schritte noch einmal im Überblick.',
    'Fragen Sie früh, wer von einer Entscheidung betroffen ist und wer mitentscheiden soll.',
    'Ein Format sollte zur Zielgruppe, zum Ort und zur Tageszeit passen.',
    'Dokumentieren Sie Ergebnisse so, dass alle, die mitgemacht haben, sie nachvollziehen können.'] AS sentences
)
SELECT s.n, k AS seq,
  CASE
    WHEN k = 0 THEN 'Willkommen zu diesem Video über ' || s.topic || '.'
    WHEN k = 15 AND s.n % 4 = 0 THEN p.climate
    WHEN k = 20 AND s.n % 10 = 3 THEN p.participation
    WHEN k = s.duration_ms / 6000 - 1 THEN 'Im nächsten Teil vertiefen wir ' || s.topic || ' an einem Beispiel aus der Praxis.'
    ELSE pool.sentences[1 + abs(hashtext(s.n || ':' || k)) % 20]
  END AS text,
  k * 6000::bigint AS start_ms,
  k * 6000::bigint + 6000 AS end_ms
FROM tutorial_seed s, pool, pools p, generate_series(0, (s.duration_ms / 6000)::int - 1) AS k;
ANALYZE spoken;

INSERT INTO tutorials (id, slug, organisation_id, created_by, created_at, updated_at, version)
SELECT tutorial_id, 'bench-tutorial-' || n, organisation_id, author, at, at, 2 FROM tutorial_seed;

INSERT INTO tutorial_revisions (id, tutorial_id, number, state, publish_at, title, summary, description,
  language, duration_ms, kind, speakers, licence, related_guides, chapters,
  easy_language_tutorial_id, completion_threshold, review_comment, change_note, created_by,
  created_at, updated_at, submitted_at, submitted_by, published_at, published_by)
SELECT s.revision_id, s.tutorial_id, 1, 'published', NULL, s.title,
  'Ein Video-Tutorial über ' || s.topic || ' für Kommunen und Träger vor Ort.',
  'Praxiswissen zu ' || s.topic || ' aus Gesprächen mit Fachleuten, mit Beispielen aus geförderten Stadtteilen.',
  'de', s.duration_ms, s.kind, jsonb_build_array('Referentin ' || (1 + s.n % 40)),
  CASE WHEN s.n % 2 = 0 THEN 'CC-BY-4.0' END, '[]'::jsonb,
  jsonb_build_array(
    jsonb_build_object('startMs', 0, 'title', 'Einführung'),
    jsonb_build_object('startMs', s.duration_ms / 3, 'title', s.topic || ' in der Praxis'),
    jsonb_build_object('startMs', 2 * (s.duration_ms / 3), 'title', 'Fragen und Antworten')),
  e.tutorial_id, 0.9, NULL, NULL, s.author, s.at, s.at, s.at, s.author, s.at, s.author
FROM tutorial_seed s
LEFT JOIN tutorial_seed e ON s.n % 25 = 0 AND e.n = s.n + 1;

UPDATE tutorials SET live_revision_id = s.revision_id FROM tutorial_seed s WHERE tutorials.id = s.tutorial_id;

INSERT INTO tutorial_revision_fields_of_action (revision_id, field_of_action_slug)
SELECT s.revision_id, f FROM tutorial_seed s JOIN terms USING (n), unnest(terms.fields) AS f;
INSERT INTO tutorial_revision_phases (revision_id, phase_slug)
SELECT s.revision_id, p FROM tutorial_seed s JOIN terms USING (n), unnest(terms.phases) AS p;
INSERT INTO tutorial_revision_audiences (revision_id, audience_slug)
SELECT s.revision_id, a FROM tutorial_seed s JOIN terms USING (n), unnest(terms.audiences) AS a;
INSERT INTO tutorial_revision_organisations (revision_id, organisation_id)
SELECT s.revision_id, terms.co_publisher FROM tutorial_seed s JOIN terms USING (n)
WHERE terms.co_publisher IS NOT NULL;

INSERT INTO tutorial_sources (id, tutorial_id, role, delivery, url, file_id, media_type, height,
  bitrate_kbps, created_by, created_at)
SELECT gen_random_uuid(), tutorial_id, role, 'embed',
  'https://video.example.org/embed/bench-tutorial-' || n || suffix, NULL, NULL, NULL, NULL, author, at
FROM tutorial_seed
CROSS JOIN LATERAL (VALUES ('main', '', true),
                           ('sign_language', '-dgs', n % 20 = 5),
                           ('audio_described', '-ad', n % 20 = 15)) AS v(role, suffix, wanted)
WHERE wanted;

INSERT INTO tutorial_transcripts (tutorial_id, language, body, updated_by, updated_at)
SELECT s.tutorial_id, 'de', string_agg(p.text, ' ' ORDER BY p.seq), s.author, s.at
FROM tutorial_seed s JOIN spoken p USING (n)
GROUP BY s.tutorial_id, s.author, s.at;

INSERT INTO tutorial_tracks (id, tutorial_id, kind, language, label, is_default, provenance, status,
  body, sha256, cue_count, last_cue_end_ms, created_by, created_at, updated_at, approved_by, approved_at)
SELECT s.track_id, s.tutorial_id, 'captions', 'de', 'Deutsch', true, 'human', s.captions, v.body,
  encode(sha256(convert_to(v.body, 'UTF8')), 'hex'), v.cues, v.last_end, s.author, s.at, s.at,
  CASE WHEN s.captions = 'approved' THEN s.author END,
  CASE WHEN s.captions = 'approved' THEN s.at END
FROM tutorial_seed s
JOIN (
  SELECT p.n, 'WEBVTT' || E'\n\n' || string_agg(
           to_char(make_interval(secs => p.start_ms / 1000.0), 'HH24:MI:SS.MS') || ' --> ' ||
           to_char(make_interval(secs => p.end_ms / 1000.0), 'HH24:MI:SS.MS') || E'\n' || p.text,
           E'\n\n' ORDER BY p.seq) || E'\n' AS body,
         count(*) AS cues, max(p.end_ms) AS last_end
  FROM spoken p GROUP BY p.n
) AS v USING (n)
WHERE s.captions IS NOT NULL;

INSERT INTO tutorial_cues (track_id, seq, tutorial_id, start_ms, end_ms, text)
SELECT s.track_id, p.seq, s.tutorial_id, p.start_ms, p.end_ms, p.text
FROM tutorial_seed s JOIN spoken p USING (n)
WHERE s.captions IS NOT NULL;

-- Audio description as a text track: three described scenes.
CREATE TEMP TABLE described AS
SELECT s.tutorial_id, s.described_track_id AS track_id, s.author, s.at, d.seq, d.start_ms,
  d.start_ms + 4000 AS end_ms, d.text
FROM tutorial_seed s
CROSS JOIN LATERAL (VALUES
  (0, 2000::bigint, 'Eine Moderatorin steht vor einer Stellwand mit Karten und Fotos aus dem Stadtteil.'),
  (1, s.duration_ms / 3, 'Luftbild eines Stadtteils mit Innenhöfen, einem Spielplatz und einer Straßenbahnlinie.'),
  (2, s.duration_ms - 8000, 'Die Gesprächspartnerinnen sitzen an einem Tisch; eingeblendet ist eine Internetadresse.')
) AS d(seq, start_ms, text)
WHERE s.n % 10 = 0;

INSERT INTO tutorial_tracks (id, tutorial_id, kind, language, label, is_default, provenance, status,
  body, sha256, cue_count, last_cue_end_ms, created_by, created_at, updated_at, approved_by, approved_at)
SELECT track_id, tutorial_id, 'descriptions', 'de', 'Audiodeskription', false, 'human', 'approved', v.body,
  encode(sha256(convert_to(v.body, 'UTF8')), 'hex'), v.cues, v.last_end, author, at, at, author, at
FROM (
  SELECT track_id, tutorial_id, author, at,
    'WEBVTT' || E'\n\n' || string_agg(
      to_char(make_interval(secs => start_ms / 1000.0), 'HH24:MI:SS.MS') || ' --> ' ||
      to_char(make_interval(secs => end_ms / 1000.0), 'HH24:MI:SS.MS') || E'\n' || text,
      E'\n\n' ORDER BY seq) || E'\n' AS body,
    count(*) AS cues, max(end_ms) AS last_end
  FROM described GROUP BY track_id, tutorial_id, author, at
) AS v;

INSERT INTO tutorial_cues (track_id, seq, tutorial_id, start_ms, end_ms, text)
SELECT track_id, seq, tutorial_id, start_ms, end_ms, text FROM described;

-- The per-type search index, as publishing writes it (GET /api/v1/tutorials?q=…):
-- summary, description, chapter titles, the transcript and the text of the approved
-- captions (here the same sentences as the transcript).
INSERT INTO tutorial_search (tutorial_id, title, content)
SELECT s.tutorial_id, r.title,
  concat_ws(E'\n\n', r.summary, r.description, 'Einführung', s.topic || ' in der Praxis',
    'Fragen und Antworten', t.body, CASE WHEN s.captions = 'approved' THEN t.body END)
FROM tutorial_seed s
JOIN tutorial_revisions r ON r.id = s.revision_id
JOIN tutorial_transcripts t ON t.tutorial_id = s.tutorial_id;

---------------------------------------------------------------------------------------------
-- Courses: a course row, a live revision in state published with its metadata, two
-- modules of two lessons each (text and a published guide; a published tutorial and
-- text). Self-enrolment for 3 in 4, an enrolment window for every third, a capacity for
-- every fifth. "Klimaanpassung": in the description of n % 4 = 0, in the title of
-- n % 15 = 6: 30 %.
---------------------------------------------------------------------------------------------
CREATE TEMP TABLE course_seed AS
SELECT
  n,
  gen_random_uuid() AS course_id,
  gen_random_uuid() AS revision_id,
  organisations[1 + n % 20] AS organisation_id,
  author,
  heads[1 + n % 15] AS topic,
  heads[1 + n % 15] || ' – ' || (ARRAY['der Einstieg', 'Grundlagen für die Verwaltung',
    'in der Praxis', 'kompakt', 'für Quartiersmanagerinnen und -manager',
    'vom Konzept zur Umsetzung'])[1 + (n * 5) % 6] || ' (' || n || ')' AS title,
  'In zwei Modulen lernen Sie, wie ' || heads[1 + n % 15] || ' in geförderten Stadtteilen gelingt. '
    || sentences[1 + (n * 3) % 16] AS summary,
  '## Worum es geht' || E'\n\n' || '**' || sentences[1 + n % 16] || '** ' || sentences[1 + (n * 5) % 16]
    || E'\n\n' || CASE WHEN n % 4 = 0 THEN climate || ' ' ELSE '' END
    || CASE WHEN n % 10 = 7 THEN participation || ' ' ELSE '' END
    || sentences[1 + (n * 11) % 16] || E'\n\n## Für wen\n\n- ' || sentences[1 + (n * 13) % 16] AS description,
  jsonb_build_array('Die wichtigsten Schritte für ' || heads[1 + n % 15] || ' benennen',
                    'Ein passendes Format für die eigene Kommune auswählen',
                    'Partner vor Ort gezielt ansprechen') AS objectives,
  (1 + n % 8) * 1.5 AS hours,
  CASE WHEN n % 3 = 0 THEN now() - interval '30 days' END AS opens_at,
  CASE WHEN n % 3 = 0 THEN now() + interval '60 days' END AS closes_at,
  n % 4 <> 3 AS self_enrolment,
  CASE WHEN n % 5 = 0 THEN 30 END AS capacity,
  n % 2 = 0 AS sequential,
  CASE WHEN n % 6 = 0 THEN 24 END AS validity_months,
  -- a published guide and a published tutorial used as lessons
  (SELECT g.guide_id FROM guide_seed g WHERE g.n = 33 * c.n) AS guide_id,
  (SELECT t.tutorial_id FROM tutorial_seed t WHERE t.n = 6 * c.n) AS tutorial_id,
  now() - n * interval '97 minutes' - interval '5 minutes' AS at
FROM pools, generate_series(1, 300) AS c(n);

INSERT INTO courses (id, slug, organisation_id, created_by, created_at, updated_at, version)
SELECT course_id, 'bench-course-' || n, organisation_id, author, at, at, 2 FROM course_seed;

INSERT INTO course_revisions (id, course_id, number, state, publish_at, title, summary, description,
  objectives, language, estimated_hours, prerequisites, enrolment_opens_at, enrolment_closes_at,
  closes_at, self_enrolment, capacity, sequential, validity_months, review_comment, change_note,
  created_by, created_at, updated_at, submitted_at, submitted_by, published_at, published_by)
SELECT revision_id, course_id, 1, 'published', NULL, title, summary, description,
  objectives, 'de', hours, '[]'::jsonb, opens_at, closes_at,
  NULL, self_enrolment, capacity, sequential, validity_months, NULL, NULL,
  author, at, at, at, author, at, author
FROM course_seed;

UPDATE courses SET live_revision_id = s.revision_id FROM course_seed s WHERE courses.id = s.course_id;

INSERT INTO course_revision_fields_of_action (revision_id, field_of_action_slug)
SELECT s.revision_id, f FROM course_seed s JOIN terms USING (n), unnest(terms.fields) AS f;
INSERT INTO course_revision_phases (revision_id, phase_slug)
SELECT s.revision_id, p FROM course_seed s JOIN terms USING (n), unnest(terms.phases) AS p;
INSERT INTO course_revision_audiences (revision_id, audience_slug)
SELECT s.revision_id, a FROM course_seed s JOIN terms USING (n), unnest(terms.audiences) AS a;
INSERT INTO course_revision_organisations (revision_id, organisation_id)
SELECT s.revision_id, terms.co_publisher FROM course_seed s JOIN terms USING (n)
WHERE terms.co_publisher IS NOT NULL;

CREATE TEMP TABLE course_module_seed AS
SELECT s.course_id, s.revision_id, s.n, m.position, gen_random_uuid() AS module_id,
  gen_random_uuid() AS key, m.title, m.description
FROM course_seed s
CROSS JOIN LATERAL (VALUES
  (0, 'Grundlagen', 'Begriffe, Ziele und die Rolle der Kommune.'),
  (1, 'Praxis', 'Beispiele aus geförderten Stadtteilen und was sich übertragen lässt.')
) AS m(position, title, description);

INSERT INTO course_modules (id, revision_id, key, position, title, description, completion, sequential, unlock_at)
SELECT module_id, revision_id, key, position, title, description, 'all', false, NULL
FROM course_module_seed;

-- A lesson's fingerprint is the SHA-256 of what it asks of a learner, as the server
-- computes it: {"kind","body","guide","tutorial","quiz","rule","minSeconds"}.
INSERT INTO course_lessons (id, revision_id, module_id, key, position, title, kind, body, guide_id,
  tutorial_id, quiz, rule, min_seconds, unlock_at, fingerprint)
SELECT gen_random_uuid(), m.revision_id, m.module_id, gen_random_uuid(), l.position, l.title, l.kind,
  l.body, l.guide_id, l.tutorial_id, NULL, l.rule, NULL, NULL,
  encode(sha256(convert_to(
    '{"kind":' || to_json(l.kind)::text || ',"body":' || to_json(l.body)::text
    || ',"guide":' || coalesce(to_json(l.guide_id::text)::text, 'null')
    || ',"tutorial":' || coalesce(to_json(l.tutorial_id::text)::text, 'null')
    || ',"quiz":null,"rule":' || to_json(l.rule)::text || ',"minSeconds":null}', 'UTF8')), 'hex')
FROM course_module_seed m
JOIN course_seed s ON s.course_id = m.course_id
CROSS JOIN pools p
CROSS JOIN LATERAL (VALUES
  (0, 0, 'Worum es geht', 'text',
     '**' || p.sentences[1 + (s.n * 7) % 16] || '**' || E'\n\n' || p.sentences[1 + (s.n * 2) % 16],
     NULL::uuid, NULL::uuid, 'viewed'),
  (0, 1, 'Zum Nachlesen', 'guide', '', s.guide_id, NULL::uuid, 'viewed'),
  (1, 0, 'Im Gespräch', 'tutorial', '', NULL::uuid, s.tutorial_id, 'tutorial'),
  (1, 1, 'Für die eigene Kommune', 'text',
     p.sentences[1 + (s.n * 17) % 16] || E'\n\n- ' || p.sentences[1 + (s.n * 19) % 16],
     NULL::uuid, NULL::uuid, 'done')
) AS l(module, position, title, kind, body, guide_id, tutorial_id, rule)
WHERE l.module = m.position;

COMMIT;
ANALYZE;

-- The server rebuilds its catalogue read model from the live content at start-up.
UPDATE catalogue_state SET built = false;
