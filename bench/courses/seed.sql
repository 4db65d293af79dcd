-- Learners for the courses benchmark: 100 municipalities with 100 confirmed members each
-- (10,000 learners), and an organisation that publishes the course. Learner n has the id
-- 00000000-0000-4000-8000-2000000nnnnn, so that pgbench can name it. The password hash is
-- copied from the account `bench-admin@example.org` created beforehand. The course itself
-- is created and published through the API, and the 10,000 enrolments are made by
-- enrolling each municipality's team (bench/courses.sh).
BEGIN;

INSERT INTO organisations (id, name, kind, website, role_profiles, created_at, updated_at, version)
VALUES (gen_random_uuid(), 'Stiftung Benchmark', 'foundation', NULL, 'advise', now(), now(), 1);

INSERT INTO municipalities (id, name, ags, district, funded_site, cohort_year, phase, created_at, updated_at, version)
SELECT ('00000000-0000-4000-8000-' || (300000000000 + m))::uuid, 'Beispielgemeinde ' || m,
       lpad((6900000 + m)::text, 8, '0'), 'Landkreis Beispiel', true, 2020, 'implementation', now(), now(), 1
FROM generate_series(1, 100) AS m;

INSERT INTO users (id, email, email_normalized, display_name, password_hash, roles, organisation_id,
                   municipality_id, municipality_confirmed_at, status, email_verified_at, last_login_at,
                   created_at, updated_at, version)
SELECT ('00000000-0000-4000-8000-' || (200000000000 + n))::uuid,
       'lernende-' || n || '@example.org', 'lernende-' || n || '@example.org',
       'Lernende ' || n, (SELECT password_hash FROM users WHERE email = 'bench-admin@example.org'),
       'learner', NULL, ('00000000-0000-4000-8000-' || (300000000000 + 1 + (n - 1) / 100))::uuid,
       now(), 'active', now(), NULL, now(), now(), 1
FROM generate_series(1, 10000) AS n;

COMMIT;
ANALYZE;
