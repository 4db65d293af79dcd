-- Consultation hours for the benchmark: 200 consultants with one offer each and slots on
-- weekdays 09:00–13:00 local time for the next 12 weeks (48,000 slots), a contention
-- offer with 3-seat group hours, and 200 confirmed learners of one municipality. Run against a
-- database the academy has migrated; the learners' password hash is copied from the
-- account `bench-admin@example.org` created beforehand.
BEGIN;

INSERT INTO organisations (id, name, kind, website, role_profiles, created_at, updated_at, version)
VALUES ('00000000-0000-7000-8000-000000000001', 'Beispielverbund', 'foundation', NULL, 'advise', now(), now(), 1);

INSERT INTO municipalities (id, name, ags, district, funded_site, cohort_year, phase, created_at, updated_at, version)
VALUES ('00000000-0000-7000-8000-000000000002', 'Musterstadt', '06411000', 'Darmstadt', true, 2024, 'implementation', now(), now(), 1);

INSERT INTO users (id, email, email_normalized, display_name, password_hash, roles, organisation_id,
                   municipality_id, status, email_verified_at, last_login_at, created_at, updated_at, version)
SELECT gen_random_uuid(), 'berater-' || n || '@example.org', 'berater-' || n || '@example.org',
       'Beraterin ' || n, NULL, 'consultant', '00000000-0000-7000-8000-000000000001', NULL,
       'active', now(), NULL, now(), now(), 1
FROM generate_series(1, 201) AS n;

INSERT INTO users (id, email, email_normalized, display_name, password_hash, roles, organisation_id,
                   municipality_id, municipality_confirmed_at, status, email_verified_at, last_login_at,
                   created_at, updated_at, version)
SELECT gen_random_uuid(), 'lernende-' || n || '@example.org', 'lernende-' || n || '@example.org',
       'Lernende ' || n, (SELECT password_hash FROM users WHERE email = 'bench-admin@example.org'),
       'learner', NULL, '00000000-0000-7000-8000-000000000002', now(), 'active', now(), NULL, now(), now(), 1
FROM generate_series(1, 200) AS n;

INSERT INTO consultation_offers (id, consultant_id, organisation_id, title, description, format, location,
  slot_minutes, seats, min_notice_minutes, max_advance_days, cancel_deadline_minutes, buffer_minutes,
  requires_confirmation, intake_questions, municipality_limit, waitlist_mode, waitlist_hold_minutes,
  availability, status, created_by, created_at, updated_at, version)
SELECT gen_random_uuid(), u.id, u.organisation_id,
       CASE WHEN u.email = 'berater-201@example.org' THEN 'Gruppensprechstunde' ELSE 'Sprechstunde ' || u.display_name END,
       'Beratung zu Beteiligung und Quartiersarbeit.', 'online', 'https://meet.example.org/' || u.id,
       60, CASE WHEN u.email = 'berater-201@example.org' THEN 3 ELSE 1 END, 0, 90, 0, 0, false, '[]', NULL, 'offer', 720,
       '{"weekly":[{"weekday":"monday","start":"09:00","end":"13:00"},{"weekday":"tuesday","start":"09:00","end":"13:00"},{"weekday":"wednesday","start":"09:00","end":"13:00"},{"weekday":"thursday","start":"09:00","end":"13:00"},{"weekday":"friday","start":"09:00","end":"13:00"}],"absences":[],"extra":[]}',
       'active', u.id, now(), now(), 1
FROM users u WHERE u.roles = 'consultant';

INSERT INTO consultation_offer_fields (offer_id, field_of_action_slug)
SELECT o.id, (ARRAY['activation-participation', 'housing', 'public-spaces', 'local-economy-employment'])[1 + (row_number() OVER (ORDER BY o.id)) % 4]
FROM consultation_offers o;

INSERT INTO consultation_slots (id, offer_id, consultant_id, starts_at, ends_at, blocked_until, capacity, booked, held)
SELECT gen_random_uuid(), o.id, o.consultant_id, t, t + interval '1 hour', t + interval '1 hour', o.seats, 0, 0
FROM consultation_offers o
CROSS JOIN generate_series(current_date + 1, current_date + 84, interval '1 day') AS d
CROSS JOIN generate_series(9, 12) AS h
CROSS JOIN LATERAL (SELECT ((d::date + make_interval(hours => h))::timestamp AT TIME ZONE 'Europe/Berlin') AS t) AS at
WHERE extract(isodow FROM d) BETWEEN 1 AND 5;

COMMIT;
ANALYZE;
