"""The contract-fuzzing stage's one refinement of schemathesis' checks (loaded by .ci/fuzz),
and a guard against a CPython 3.11 fault under threads (below).

`positive_data_acceptance` fails when a request that fits the document is refused. Most of
what the server checks is in the document (lengths, ranges, patterns, formats, required
fields, list sizes), and a refusal for any of those stays a failure. A few rules cannot be
written in JSON Schema, because they depend on what is stored, on who asks, or on two
values together. A 422 (or, for mailed tokens, a 400) whose every field error is one of the
rules below is therefore not counted; every other refusal of schema-valid data is. Each
rule says why no schema can state it; the operations' 422 descriptions name the codes.
"""

import ast
import re
import threading

import schemathesis
from schemathesis.specs.openapi import checks as openapi_checks

# CPython 3.11 can fail `ast.parse` when two threads run it at once ("AST constructor
# recursion depth mismatch"); hypothesis parses lambdas to describe strategies, and the runs
# use two workers. One parse at a time avoids it.
_parse = ast.parse
_parse_lock = threading.Lock()


def _serial_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse

# Codes that, wherever they occur, mean "what you named does not exist or does not fit
# what is stored" — a schema describes the shape of a request, not the database.
STORED = {
    "unknown": "an id or slug that names nothing stored",
    "unknown_slot": "a slot id that names no bookable slot",
    "unknown_question": "an answer to a question the offer does not ask",
    "not_an_option": "an answer that is not one of the options the offer's question has",
    "wrong_password": "the caller's current password is a secret",
    "too_common": "the list of common passwords is data, not a pattern",
    "self_reference": "a guide named as its own variant: the id of the path, in the body",
    "not_a_consultant": "the account named has no consultant role",
}

# Rules of one operation: (operationId, field pattern, codes, why no schema can say it).
# Field patterns match the error's `field` with list indices written as `[]`.
PARTICULAR = [
    ("create_offer|replace_offer", r"location", {"invalid_url", "invalid_phone", "invalid_address"},
     "what a location must be depends on the offer's `format`"),
    ("create_offer|replace_offer", r"availability\.(weekly|extra|absences)\[\](\.\w+)?",
     {"end_before_start", "before_from", "before_valid_from", "shorter_than_slot"},
     "an end compared with a start, a window with the offer's slot length"),
    ("create_offer|replace_offer", r"availability", {"too_many_slots"},
     "the slots the hours make within the booking horizon: availability times maxAdvanceDays"),
    ("create_offer|replace_offer", r"intakeQuestions\[\]\.options", {"invalid_options", "not_allowed"},
     "whether a question has options depends on its `kind`"),
    ("create_offer|replace_offer", r"intakeQuestions\[\]\.id", {"duplicate"},
     "question ids unique within the list: uniqueItems compares whole items"),
    ("create_offer", r"consultantId", {"required"},
     "a coordinator must name the consultant; a consultant offers their own hours"),
    ("upload_attachment", r"file", {"type_not_allowed", "name_mismatch", "executable", "empty", "filename_required"},
     "a file is judged by its content and its name, which a schema cannot look into"),
    ("replace_offer", r"consultantId", {"immutable"},
     "an offer keeps its consultant: the body is compared with what is stored"),
    ("create_guide|create_tutorial", r"organisationId", {"required"},
     "an author's guide or tutorial belongs to their organisation; others must name one"),
    ("invite_user|update_user", r"organisationId", {"required"},
     "authors and consultants need an organisation: depends on `roles`"),
    ("invite_user|update_user", r"municipalityId", {"required"},
     "a contact person needs a municipality: depends on `roles`"),
    ("cancel_booking", r"reason", {"required"},
     "the consultant and coordinators must give a reason, the participant need not"),
    ("put_term", r"code|themeSlug", {"required", "not_applicable"},
     "themes have a code, fields of action a theme: depends on the path's `kind`"),
    ("list_guides|list_tutorials|list_catalogue", r"q", {"invalid_search"},
     "a search needs a word of two letters or more, by Unicode's idea of a letter"),
    ("list_catalogue", r"sort", {"needs_search"}, "`relevance` sorts a search: depends on `q`"),
    ("list_catalogue", r"offset", {"conflicts_with_cursor"}, "a cursor replaces the offset"),
    ("list_catalogue", r"cursor", {"invalid_cursor"},
     "a cursor is the opaque `next` of an earlier page of the same order"),
    ("booking_report", r"to", {"before_from"}, "an end compared with a start"),
    ("replace_email_domains", r"domains\[\]", {"invalid_domain"},
     "a domain must be valid by IDNA (UTS 46), which no pattern states"),
    ("create_tutorial|update_tutorial", r"chapters\[\]\.start", {"not_ascending", "beyond_duration"},
     "a chapter starts after the one before and inside `durationSeconds`"),
    ("create_tutorial|update_tutorial", r"licence", {"unknown_licence"},
     "the SPDX licence list is data, not a pattern"),
    ("create_organisation|replace_organisation", r"website", {"invalid_url"},
     "an address is parsed as browsers do (WHATWG): a host may not hold every character a pattern lets through"),
    ("add_tutorial_source", r"url", {"host_not_allowed", "invalid_url"},
     "the hosts come from the configuration; an address is parsed as browsers do (WHATWG)"),
    ("add_tutorial_source", r"mediaType", {"required", "not_applicable"},
     "whether a source names a video type depends on its `delivery`"),
    ("put_tutorial_track", r"file", {"not_utf8", "too_large", "unknown_format", "syntax", "end_before_start",
     "not_ascending", "beyond_duration", "too_many_cues", "cue_too_long", "no_cues", "nul"},
     "a track is judged by its content as WebVTT or SRT, its cues against the tutorial's duration"),
    ("upload_tutorial_video|put_tutorial_poster|put_course_cover", r"file",
     {"type_not_allowed", "unreadable", "no_duration", "duration_mismatch", "too_large_image", "empty"},
     "a video or image is judged by its content, a video's length against the tutorial's"),
    ("report_tutorial_progress", r"segments\[\]", {"empty_segment"},
     "a segment ends after it starts and begins before the end of the stored video"),
    ("create_course", r"organisationId", {"required"},
     "an author's course belongs to their organisation; others must name one"),
    ("create_course|update_course", r"enrolmentClosesAt", {"not_after"}, "an end compared with a start"),
    ("create_course|update_course", r"prerequisites\[\]", {"self_reference"},
     "a course named as its own prerequisite: the id of the path, in the body"),
    ("create_course|update_course", r"modules\[\]\.key|modules\[\]\.lessons\[\]\.key", {"duplicate"},
     "keys unique across every module and lesson: uniqueItems compares whole items"),
    ("create_course|update_course",
     r"modules\[\]\.lessons\[\]\.(guideId|tutorialId|quiz|body|completion|minSeconds)",
     {"not_allowed", "required"},
     "which fields a lesson has, and which completion rule fits it, depend on its `kind`"),
    ("create_course|update_course",
     r"modules\[\]\.lessons\[\]\.quiz\.(draw|questions\[\]\.(key|options|correct|value|tolerance|accepted|items|pairs))",
     {"not_allowed", "required", "count", "one_correct", "none_correct", "duplicate", "out_of_range"},
     "what a question has depends on its `type`; a quiz draws at most as many questions as it has"),
    ("enrol", r"dueAt", {"not_allowed"}, "a due date is set by whoever enrols someone else: depends on `userId`"),
    ("save_answers|submit_attempt", r"answers\..*", {"invalid_answer"},
     "an answer's shape depends on its question's `type`, stored with the attempt"),
]

# Problems without field errors that depend on a secret or on an earlier request.
SECRET = {
    "invalid_token": "mailed tokens are random; only the mail knows a valid one",
    "idempotency_key_reused": "the Idempotency-Key was sent before with another body",
    "too_fast": "how much video may be reported depends on the time since the learner's last report",
}


def _field(name):
    return re.sub(r"\[\d+\]", "[]", name or "")


def _beyond_schema(operation_id, problem):
    if problem.get("code") in SECRET:
        return True
    errors = problem.get("errors") or []
    if not errors:
        return False
    for error in errors:
        code, field = error.get("code"), _field(error.get("field"))
        if code in STORED:
            continue
        if any(
            code in codes and re.fullmatch(operations, operation_id or "") and re.fullmatch(pattern, field)
            for operations, pattern, codes, _ in PARTICULAR
        ):
            continue
        return False
    return True


def _content_type(response):
    for name, values in response.headers.items():
        if name.lower() == "content-type" and values:
            return values[0]
    return ""


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx, response, case):
    """`positive_data_acceptance`, except for refusals by rules no schema can state."""
    meta = case.meta
    if (
        meta is not None
        and meta.generation.mode.is_positive
        and response.status_code in (400, 422)
        and _content_type(response).startswith("application/problem+json")
    ):
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if isinstance(problem, dict) and _beyond_schema(case.operation.definition.raw.get("operationId"), problem):
            return None
    return openapi_checks.positive_data_acceptance(ctx, response, case)


@schemathesis.serializer("video/mp4", "video/webm")
def _video(ctx, value):
    """Raw video uploads: a generated value is sent as its bytes. The server judges the
    content (a container header it can read, a duration that matches), so anything
    generated is refused with a 422 the rules above expect."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")
