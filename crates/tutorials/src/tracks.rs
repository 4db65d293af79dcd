//! Text tracks of video tutorials: captions, subtitles, audio descriptions and chapters.
//!
//! Authors upload a track as WebVTT or SRT. [`parse`] reads it, checks it against the
//! rules below and answers either the cues or every problem found (up to
//! [`ERRORS_MAX`]), each with the line to look at, so an author can fix a file in one go
//! instead of re-uploading it once per mistake. Browsers only play WebVTT, so every track
//! is served as the normalised WebVTT that [`to_webvtt`] writes, whatever it was uploaded
//! as. [`plain_text`] and [`transcript`] turn cues into words for people: a transcript
//! beside the player, search, screen readers.
//!
//! The formats themselves are read by two small crates, `webvtt-parser` for WebVTT and
//! `skrt` for SRT; this module does not read timestamps, cue settings or cue numbers
//! itself. What it adds around them:
//!
//! - Line endings are made `\n` first (CRLF and lone CR become LF, which keeps every line
//!   number) and a UTF-8 byte order mark is dropped, so neither crate has to cope with
//!   them.
//! - The file is cut at empty lines into blocks, and the crate reads each block on its
//!   own. A broken cue then costs only that cue, the parse carries on, and every mistake
//!   is reported, not only the first one.
//! - Both crates return cue text as slices of the text they were given (they document
//!   this: no copies), so the line of a cue is computed exactly from where its text
//!   begins in the upload. The timing line is the line just above the text.
//!
//! Pure code: no I/O, no database.

use std::fmt;
use std::ops::Range;

/// The largest upload accepted. Even a feature film's subtitles are a few hundred KiB; a
/// larger file is almost certainly not a text track.
pub const TRACK_MAX_BYTES: usize = 2 * 1024 * 1024;
/// The most cues one track may hold: more than five a second for a whole hour, far beyond
/// any real track, and a bound on the work one upload can cause.
pub const CUES_MAX: usize = 20_000;
/// The most characters one cue's text may hold, markup included. Nobody can read more
/// in the few seconds a cue is shown.
pub const CUE_TEXT_MAX: usize = 2_000;
/// The most problems [`parse`] reports for one upload. A file with more is best fixed
/// from the top and uploaded again.
pub const ERRORS_MAX: usize = 20;
/// A pause between cues at least this long starts a new paragraph in a [`transcript`].
pub const PARAGRAPH_GAP_MS: u64 = 2_000;

/// Which format an upload is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    WebVtt,
    Srt,
}

/// One cue, times in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    /// The cue text as uploaded, markup included, lines joined by `\n`.
    pub text: String,
    /// 1-based line of the cue's timing line in the upload
    pub line: usize,
}

/// Why an upload was refused: the 1-based line (0 when the problem is the whole file),
/// a stable snake_case code, and a message in plain English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackError {
    pub line: usize,
    pub code: &'static str,
    pub message: String,
}

impl TrackError {
    fn new(line: usize, code: &'static str, message: impl Into<String>) -> Self {
        TrackError {
            line,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{} ({})", self.message, self.code)
        } else {
            write!(f, "line {}: {} ({})", self.line, self.message, self.code)
        }
    }
}

impl std::error::Error for TrackError {}

/// Judged from the content: "WEBVTT" signature (after an optional BOM) → WebVtt;
/// otherwise SRT if it parses as SRT.
///
/// "Parses as SRT" means that the first cue of the file (its first block of lines)
/// parses as an SRT cue: a file that starts like SRT and has a mistake further down is
/// still SRT, so that [`parse`] can point at the mistake instead of calling the whole
/// file unknown. The signature must be followed by the end of the line, a space or a
/// tab, as WebVTT requires ("WEBVTTX" is not a signature).
pub fn detect(text: &str) -> Option<Format> {
    detect_prepared(&prepare(text))
}

/// Parses and checks an upload. `duration_ms`: cues must end within it.
///
/// Refused, each problem with its line (0 for the whole file) and a code:
/// `too_large` (over [`TRACK_MAX_BYTES`]), `not_utf8`, `nul` (a NUL character),
/// `no_cues` (empty, or no cue at all), `unknown_format`, `syntax` (a block the format's
/// crate cannot read, or a cue text holding `-->`), `end_before_start`, `not_ascending`
/// (a cue starting before the cue above it), `beyond_duration`, `too_many_cues`
/// (over [`CUES_MAX`]) and `cue_too_long` (over [`CUE_TEXT_MAX`] characters).
///
/// At most [`ERRORS_MAX`] problems are answered, ordered by line. A UTF-8 byte order
/// mark and CRLF (or CR) line endings are accepted.
pub fn parse(bytes: &[u8], duration_ms: u64) -> Result<Vec<Cue>, Vec<TrackError>> {
    if bytes.len() > TRACK_MAX_BYTES {
        return Err(vec![TrackError::new(
            0,
            "too_large",
            format!(
                "The file has {} bytes; a text track may have at most {TRACK_MAX_BYTES} \
                 bytes (2 MiB).",
                bytes.len()
            ),
        )]);
    }
    let raw = match std::str::from_utf8(bytes) {
        Ok(raw) => raw,
        Err(error) => {
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            return Err(vec![TrackError::new(
                line,
                "not_utf8",
                "The file is not UTF-8 text; this line holds the first byte that is not. \
                 Save the file with the UTF-8 encoding and upload it again.",
            )]);
        }
    };
    let text = prepare(raw);
    let lines = LineIndex::new(&text);

    let mut errors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.contains('\0') {
            errors.push(TrackError::new(
                number + 1,
                "nul",
                "This line holds a NUL character (U+0000), which a text track may not \
                 contain.",
            ));
        }
    }

    if text.trim().is_empty() {
        errors.push(no_cues());
        return Err(finish(errors));
    }
    let cues = match detect_prepared(&text) {
        Some(Format::WebVtt) => read_webvtt(&text, &lines, &mut errors),
        Some(Format::Srt) => read_srt(&text, &lines, &mut errors),
        None => {
            errors.push(TrackError::new(
                0,
                "unknown_format",
                "The file is neither WebVTT (which starts with the line \"WEBVTT\") nor \
                 SRT (which starts with a cue number, then a line such as \
                 \"00:00:01,000 --> 00:00:04,000\").",
            ));
            return Err(finish(errors));
        }
    };

    check(&cues, duration_ms, &mut errors);
    if cues.is_empty() && errors.is_empty() {
        errors.push(no_cues());
    }
    if errors.is_empty() {
        Ok(cues)
    } else {
        Err(finish(errors))
    }
}

/// The cues written as a normalised WebVTT file ("WEBVTT\n\n" then cues
/// "HH:MM:SS.mmm --> HH:MM:SS.mmm\ntext\n\n"). SRT uploads are served converted this way.
///
/// The text is written as it is, markup included: SRT's `<i>`, `<b>` and `<u>` mean the
/// same in WebVTT. Two things would break the file and are changed: an empty line would
/// end the cue early, so empty lines are left out, and `-->` would be taken for a timing
/// line, so it is written `--&gt;`. [`parse`] refuses both, so this only matters for cues
/// made some other way.
pub fn to_webvtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for cue in cues {
        out.push_str(&timestamp(cue.start_ms));
        out.push_str(" --> ");
        out.push_str(&timestamp(cue.end_ms));
        out.push('\n');
        let lines = cue
            .text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.replace("-->", "--&gt;"))
            .collect::<Vec<_>>();
        out.push_str(&lines.join("\n"));
        out.push_str("\n\n");
    }
    out
}

/// The cue's words for people: markup tags such as <v Anna>, <i>, <b>, <c.x>,
/// timestamps <00:01.000> removed, the entities &amp; &lt; &gt; &nbsp; &lrm; &rlm;
/// decoded, whitespace collapsed.
///
/// Also decoded, because subtitle tools write them: `&quot;`, `&apos;` and numeric
/// references such as `&#39;` or `&#x2019;`. A `<` that starts no tag (as in "I <3 Rust")
/// and an `&` that starts no known reference are kept as text. A no-break space stays a
/// no-break space: it exists to keep "10 km" together; every other run of whitespace,
/// line breaks included, becomes one space.
pub fn plain_text(cue_text: &str) -> String {
    let mut words = String::with_capacity(cue_text.len());
    let mut rest = cue_text;
    while let Some(c) = rest.chars().next() {
        let skip = match c {
            '<' => tag_len(rest),
            '&' => entity(rest).map(|(decoded, len)| {
                words.push(decoded);
                len
            }),
            _ => None,
        };
        match skip {
            Some(len) => rest = rest.get(len..).unwrap_or_default(),
            None => {
                words.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    words
        .split(|c: char| c.is_whitespace() && c != '\u{a0}')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A transcript from cues: the plain text of each cue, consecutive duplicates dropped,
/// joined into paragraphs (a blank line where the gap between cues is ≥ 2 s, else a
/// space).
///
/// Duplicates are dropped because captioning tools repeat a cue when it stays on screen
/// across a cut; the words were said once. The gap is measured from the latest end of
/// any cue before, so overlapping cues and repeats do not open false paragraphs. Cues
/// without words (only markup) are skipped.
pub fn transcript(cues: &[Cue]) -> String {
    let mut out = String::new();
    let mut previous: Option<String> = None;
    let mut spoken_until: Option<u64> = None;
    for cue in cues {
        let words = plain_text(&cue.text);
        if words.is_empty() {
            continue;
        }
        if previous.as_deref() != Some(words.as_str()) {
            if let Some(until) = spoken_until {
                if cue.start_ms.saturating_sub(until) >= PARAGRAPH_GAP_MS {
                    out.push_str("\n\n");
                } else {
                    out.push(' ');
                }
            }
            out.push_str(&words);
            previous = Some(words);
        }
        spoken_until = Some(spoken_until.map_or(cue.end_ms, |until| until.max(cue.end_ms)));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading the formats
// ---------------------------------------------------------------------------------------

/// The upload as both readers get it: without a byte order mark, with `\n` line endings
/// (CRLF and a lone CR each become one `\n`, so line numbers stay those an editor shows),
/// without trailing whitespace and ending in one `\n`. `skrt` refuses blank lines at the
/// end of a file and neither crate knows lone CRs, which old Mac tools still write.
fn prepare(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len() + 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn detect_prepared(text: &str) -> Option<Format> {
    if has_webvtt_signature(text) {
        return Some(Format::WebVtt);
    }
    let first = blocks(text, is_blank_srt).into_iter().next()?;
    let cues = skrt::Srt::try_parse(text.get(first)?).ok()?;
    (!cues.subtitles().is_empty()).then_some(Format::Srt)
}

/// "WEBVTT" at the very start, followed by the end of the line, a space or a tab.
fn has_webvtt_signature(text: &str) -> bool {
    text.strip_prefix("WEBVTT")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
}

/// WebVTT ends a block only at a truly empty line; a line of spaces is cue text.
fn is_blank_webvtt(line: &str) -> bool {
    line.is_empty()
}

/// SRT has no specification, and a line of only spaces between two cues is a common
/// slip that players read as a separator, so it ends a block here too.
fn is_blank_srt(line: &str) -> bool {
    line.trim().is_empty()
}

/// The byte ranges of the blocks of `text`: runs of lines that are not blank. Each range
/// ends after the `\n` of its last line.
fn blocks(text: &str, is_blank: fn(&str) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if is_blank(line.strip_suffix('\n').unwrap_or(line)) {
            if let Some(start) = start.take() {
                out.push(start..offset);
            }
        } else if start.is_none() {
            start = Some(offset);
        }
        offset += line.len();
    }
    if let Some(start) = start {
        out.push(start..offset);
    }
    out
}

/// Where `inner` starts inside `outer`, if it is a slice of it. Both crates hand out cue
/// text as slices of their input, and this turns such a slice back into a position.
fn offset_within(outer: &str, inner: &str) -> Option<usize> {
    let offset = inner.as_ptr().addr().checked_sub(outer.as_ptr().addr())?;
    (offset + inner.len() <= outer.len()).then_some(offset)
}

/// The line numbers of a text, found by byte offset.
struct LineIndex {
    /// The byte offset at which each line starts; line 1 at index 0.
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    /// The 1-based line holding the byte at `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The text of a 1-based line, without its `\n`.
    fn text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = line
            .checked_sub(1)
            .and_then(|index| self.starts.get(index))
            .copied()
            .unwrap_or(text.len());
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        text.get(start..end)
            .map(|line| line.strip_suffix('\n').unwrap_or(line))
            .unwrap_or_default()
    }
}

/// A cue as read, before its text is checked.
fn cue(start_ms: u64, end_ms: u64, text: &str, line: usize) -> Cue {
    Cue {
        start_ms,
        end_ms,
        text: text.trim_end_matches('\n').to_owned(),
        line,
    }
}

/// The timing line of a cue whose text begins at byte `text_at` of the upload: the line
/// just above the text. (For a cue without text at the very end, `text_at` is the end of
/// its timing line, and the byte before it still lies on that line.)
fn timing_line(lines: &LineIndex, text_at: usize) -> usize {
    lines.line_of(text_at.saturating_sub(1))
}

/// Reads a WebVTT upload with `webvtt-parser`, one block at a time.
///
/// The first block holds the signature and header and is read as it is; every other
/// block is read as a file of its own behind a "WEBVTT" signature. The crate does not
/// know STYLE and REGION blocks, which WebVTT allows before the first cue; they only
/// style the text, and the served file is rewritten without them anyway, so they are
/// passed over instead of being refused.
fn read_webvtt(text: &str, lines: &LineIndex, errors: &mut Vec<TrackError>) -> Vec<Cue> {
    const SIGNATURE: &str = "WEBVTT\n\n";
    let mut cues = Vec::new();
    for (index, block) in blocks(text, is_blank_webvtt).into_iter().enumerate() {
        let Some(content) = text.get(block.clone()) else {
            continue;
        };
        if cues.is_empty() && index > 0 && starts_style_or_region(content) {
            continue;
        }
        let read_before = cues.len();
        let (source, signature_len) = if index == 0 {
            (content.to_owned(), 0)
        } else {
            (format!("{SIGNATURE}{content}"), SIGNATURE.len())
        };
        // Maps a byte offset in `source` back to one in the upload.
        let upload_offset = |at: usize| block.start + at.saturating_sub(signature_len);
        match webvtt_parser::Vtt::parse(&source) {
            Ok(vtt) => {
                for read in &vtt.cues {
                    let text_at =
                        offset_within(&source, read.text).map_or(block.start, upload_offset);
                    cues.push(cue(
                        read.start.as_milliseconds(),
                        read.end.as_milliseconds(),
                        read.text,
                        timing_line(lines, text_at),
                    ));
                }
            }
            Err(error) => {
                let line = if error.line == 0 {
                    lines.line_of(block.start)
                } else {
                    lines.line_of(upload_offset(error.offset).min(block.end.saturating_sub(1)))
                };
                errors.push(webvtt_error(lines.text(text, line), line));
            }
        }
        check_text_lines(&cues[read_before..], errors);
    }
    cues
}

/// A STYLE or REGION block: its first line is the keyword, alone or followed by a space
/// or a tab.
fn starts_style_or_region(block: &str) -> bool {
    let first = block.lines().next().unwrap_or_default();
    ["STYLE", "REGION"].iter().any(|keyword| {
        first
            .strip_prefix(keyword)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// The problem `webvtt-parser` found on `line`. The crate refuses a cue whose end lies
/// before its start as a syntax error; that case gets its own code, told apart by reading
/// both times of the line with the crate.
fn webvtt_error(line_text: &str, line: usize) -> TrackError {
    if let Some((start, end)) = line_text.split_once("-->")
        && let Some(start) = webvtt_time(start.trim())
        && let Some(end) = webvtt_time(end.split_whitespace().next().unwrap_or_default())
        && end < start
    {
        return end_before_start(line, start, end);
    }
    TrackError::new(
        line,
        "syntax",
        "This line could not be read as WebVTT. A cue is an optional identifier line, \
         then a timing line such as \"00:00:01.000 --> 00:00:04.000\" (hours optional, \
         a dot before the milliseconds), then its text; an empty line separates cues.",
    )
}

/// A WebVTT timestamp, read by the crate: it is put into a one-cue file of its own.
fn webvtt_time(timestamp: &str) -> Option<u64> {
    if timestamp.is_empty() || timestamp.contains(char::is_whitespace) {
        return None;
    }
    let probe = format!("WEBVTT\n\n{timestamp} --> {timestamp}\n");
    let vtt = webvtt_parser::Vtt::parse(&probe).ok()?;
    vtt.cues.first().map(|cue| cue.start.as_milliseconds())
}

/// Reads an SRT upload with `skrt`, one block (cue) at a time.
///
/// Read whole, `skrt` refuses a second empty line between cues and takes the next cue
/// for the text of a cue that has none; block by block, neither happens, and one broken
/// cue does not hide the others.
fn read_srt(text: &str, lines: &LineIndex, errors: &mut Vec<TrackError>) -> Vec<Cue> {
    let mut cues = Vec::new();
    for block in blocks(text, is_blank_srt) {
        let Some(content) = text.get(block.clone()) else {
            continue;
        };
        let read_before = cues.len();
        match skrt::Srt::try_parse(content) {
            Ok(srt) => {
                for read in srt.iter() {
                    let text_at = offset_within(content, read.text())
                        .map_or(block.start, |at| block.start + at);
                    cues.push(cue(
                        read.start().to_millis(),
                        read.end().to_millis(),
                        read.text(),
                        timing_line(lines, text_at),
                    ));
                }
            }
            Err(error) => errors.push(srt_error(&error, lines, &block)),
        }
        check_text_lines(&cues[read_before..], errors);
    }
    cues
}

/// The problem `skrt` found in a block, in plain English, at the line of the byte the
/// crate names.
fn srt_error(error: &skrt::SrtError, lines: &LineIndex, block: &Range<usize>) -> TrackError {
    use skrt::SrtError;
    let last_line = lines.line_of(block.end.saturating_sub(1));
    let at = |position: usize| lines.line_of(block.start + position).min(last_line);
    let (line, message) = match error {
        SrtError::InvalidSequenceNumber { position } => (
            at(*position),
            "A cue number (such as 12) was expected here: an SRT cue starts with its number \
             on a line of its own, then its timing line, then its text.",
        ),
        SrtError::InvalidTimestamp { position } => (
            at(*position),
            "A time on this line could not be read. SRT times look like 00:01:02,500 \
             (hours:minutes:seconds,milliseconds, with a comma).",
        ),
        SrtError::ExpectedTimeSeparator { position } => (
            at(*position),
            "The start and end times must be separated by \" --> \" (a space, two dashes, \
             a greater-than sign, a space).",
        ),
        SrtError::ExpectedNewline { position } => (
            at(*position),
            "Unexpected characters on this line: the cue number and the timing line must \
             each stand alone on their line.",
        ),
        SrtError::UnexpectedEof => (
            last_line,
            "The cue ends too early: an SRT cue needs its number, then a timing line such \
             as \"00:00:01,000 --> 00:00:04,000\", then its text.",
        ),
        _ => (
            lines.line_of(block.start),
            "This cue could not be read as SRT.",
        ),
    };
    TrackError::new(line, "syntax", message)
}

/// Refuses `-->` in the text of `cues`. WebVTT does not allow it (a player would take the
/// line for the next cue's timing line), and in either format it mostly means that the
/// empty line before a new cue is missing or holds spaces, so that the reader took the
/// next cue for text of this one.
fn check_text_lines(cues: &[Cue], errors: &mut Vec<TrackError>) {
    for cue in cues {
        for (index, text_line) in cue.text.lines().enumerate() {
            if text_line.contains("-->") {
                errors.push(TrackError::new(
                    cue.line + 1 + index,
                    "syntax",
                    format!(
                        "This line holds \"-->\" but belongs to the text of the cue on line \
                         {}. If a new cue starts here, put an empty line (without spaces) \
                         before it; otherwise write the arrow as \"→\".",
                        cue.line
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// The rules every track must follow, whatever its format.
fn check(cues: &[Cue], duration_ms: u64, errors: &mut Vec<TrackError>) {
    if cues.len() > CUES_MAX {
        let line = cues.get(CUES_MAX).map_or(0, |cue| cue.line);
        errors.push(TrackError::new(
            line,
            "too_many_cues",
            format!(
                "The track has {} cues; at most {CUES_MAX} are allowed. This is the first \
                 cue over the limit.",
                cues.len()
            ),
        ));
    }
    let mut previous: Option<&Cue> = None;
    for cue in cues {
        if cue.end_ms <= cue.start_ms {
            errors.push(end_before_start(cue.line, cue.start_ms, cue.end_ms));
        }
        if let Some(previous) = previous.filter(|previous| cue.start_ms < previous.start_ms) {
            errors.push(TrackError::new(
                cue.line,
                "not_ascending",
                format!(
                    "This cue starts at {}, before the cue on line {} (which starts at {}). \
                     Cues must be in the order of their start times.",
                    timestamp(cue.start_ms),
                    previous.line,
                    timestamp(previous.start_ms)
                ),
            ));
        }
        if cue.end_ms > duration_ms {
            errors.push(TrackError::new(
                cue.line,
                "beyond_duration",
                format!(
                    "This cue ends at {}, after the end of the video at {}.",
                    timestamp(cue.end_ms),
                    timestamp(duration_ms)
                ),
            ));
        }
        let chars = cue.text.chars().count();
        if chars > CUE_TEXT_MAX {
            errors.push(TrackError::new(
                cue.line,
                "cue_too_long",
                format!(
                    "The text of this cue has {chars} characters; at most {CUE_TEXT_MAX} are \
                     allowed. Split it into shorter cues."
                ),
            ));
        }
        previous = Some(cue);
    }
}

fn end_before_start(line: usize, start_ms: u64, end_ms: u64) -> TrackError {
    let message = if end_ms == start_ms {
        format!(
            "This cue ends at the moment it starts ({}); its end must come after its start.",
            timestamp(start_ms)
        )
    } else {
        format!(
            "This cue ends at {}, before it starts at {}; its end must come after its start.",
            timestamp(end_ms),
            timestamp(start_ms)
        )
    };
    TrackError::new(line, "end_before_start", message)
}

fn no_cues() -> TrackError {
    TrackError::new(
        0,
        "no_cues",
        "The file holds no cues, so there is nothing to show.",
    )
}

/// The problems in the order of the file, whole-file ones first, at most [`ERRORS_MAX`].
fn finish(mut errors: Vec<TrackError>) -> Vec<TrackError> {
    errors.sort_by_key(|error| error.line);
    errors.truncate(ERRORS_MAX);
    errors
}

/// A time as WebVTT writes it, hours always shown: `01:02:03.456`.
fn timestamp(ms: u64) -> String {
    let hours = ms / 3_600_000;
    let minutes = ms / 60_000 % 60;
    let seconds = ms / 1_000 % 60;
    let millis = ms % 1_000;
    format!("{hours:02}:{minutes:02}:{seconds:02}.{millis:03}")
}

// ---------------------------------------------------------------------------------------
// Cue text
// ---------------------------------------------------------------------------------------

/// The length of the tag that `rest` starts with, if it starts with one: `<` then a
/// letter or `/` (as in `<v Anna>`, `<c.x>`, `</i>`), or a timestamp such as
/// `<00:01.000>`, up to the next `>`. Anything else is a plain `<`.
fn tag_len(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('<')?;
    let close = after.find('>')?;
    let inside = &after[..close];
    let first = inside.chars().next()?;
    let is_tag = first.is_ascii_alphabetic()
        || first == '/'
        || (first.is_ascii_digit()
            && inside
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '.'));
    is_tag.then_some(close + 2)
}

/// The character that the reference `rest` starts with stands for, and the reference's
/// length.
fn entity(rest: &str) -> Option<(char, usize)> {
    const NAMED: [(&str, char); 8] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&nbsp;", '\u{a0}'),
        ("&lrm;", '\u{200e}'),
        ("&rlm;", '\u{200f}'),
        ("&quot;", '"'),
        ("&apos;", '\''),
    ];
    if let Some((name, decoded)) = NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
        return Some((*decoded, name.len()));
    }
    let number = rest.strip_prefix("&#")?;
    // The longest reference is "&#x10FFFF;": looking further would only cost time.
    let (end, _) = number.char_indices().take(8).find(|&(_, c)| c == ';')?;
    let digits = &number[..end];
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.len() <= 7 => digits.parse().ok()?,
        _ => return None,
    };
    let decoded = char::from_u32(code).filter(|&c| c != '\0')?;
    Some((decoded, 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    fn ok(text: &str) -> Vec<Cue> {
        match parse(text.as_bytes(), HOUR) {
            Ok(cues) => cues,
            Err(errors) => panic!("expected cues, got {errors:#?}"),
        }
    }

    fn errors(text: &str, duration_ms: u64) -> Vec<TrackError> {
        match parse(text.as_bytes(), duration_ms) {
            Ok(cues) => panic!("expected errors, got {cues:#?}"),
            Err(errors) => errors,
        }
    }

    /// Each error as (line, code), for compact comparisons.
    fn codes(errors: &[TrackError]) -> Vec<(usize, &'static str)> {
        errors.iter().map(|e| (e.line, e.code)).collect()
    }

    fn c(start_ms: u64, end_ms: u64, text: &str, line: usize) -> Cue {
        Cue {
            start_ms,
            end_ms,
            text: text.to_owned(),
            line,
        }
    }

    const WEBVTT: &str = "\
WEBVTT - Lesson 1: Getting started
Kind: captions
Language: en

NOTE Reviewed by the course team.
Timing checked against the final cut.

intro
00:00:01.000 --> 00:00:04.000 align:start position:10%
<v Anna>Welcome to the course.</v>

00:04.500 --> 00:00:07.250
<v Ben><i>Thanks,</i> Anna &amp; everyone.
Let's start.

00:00:09.000 --> 00:00:12.000 line:0
<c.yellow>Step one:</c> open the editor.
";

    #[test]
    fn webvtt_with_header_note_identifier_and_voices() {
        assert_eq!(
            ok(WEBVTT),
            vec![
                c(1_000, 4_000, "<v Anna>Welcome to the course.</v>", 9),
                c(
                    4_500,
                    7_250,
                    "<v Ben><i>Thanks,</i> Anna &amp; everyone.\nLet's start.",
                    12
                ),
                c(
                    9_000,
                    12_000,
                    "<c.yellow>Step one:</c> open the editor.",
                    16
                ),
            ]
        );
    }

    #[test]
    fn webvtt_header_may_run_into_the_first_cue() {
        let text = "WEBVTT\nKind: captions\n00:01.000 --> 00:02.000\nHello\n";
        assert_eq!(ok(text), vec![c(1_000, 2_000, "Hello", 3)]);
    }

    #[test]
    fn webvtt_style_and_region_blocks_are_passed_over() {
        let text = "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\nREGION\nid:left width:40%\n\n\
                    00:01.000 --> 00:02.000 region:left\nHello\n";
        assert_eq!(ok(text), vec![c(1_000, 2_000, "Hello", 9)]);
    }

    #[test]
    fn webvtt_cue_without_text_keeps_its_line() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:04.000\nB\n";
        assert_eq!(
            ok(text),
            vec![c(1_000, 2_000, "", 3), c(3_000, 4_000, "B", 5)]
        );
    }

    #[test]
    fn webvtt_crlf_bom_and_lone_cr_are_accepted() {
        let lf = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\nB\n\n00:03.000 --> 00:04.000\nC\n";
        let expected = vec![c(1_000, 2_000, "A\nB", 3), c(3_000, 4_000, "C", 7)];
        assert_eq!(
            ok(&format!("\u{feff}{}", lf.replace('\n', "\r\n"))),
            expected
        );
        assert_eq!(ok(&lf.replace('\n', "\r")), expected);
    }

    const SRT_LF: &str = "\
1
00:00:01,000 --> 00:00:04,000
<i>Welcome</i> to the course.

2
00:00:04,500 --> 00:00:07,250
Thanks, Anna & everyone.
Let's start.

3
01:00:09,000 --> 01:00:12,000
Step one: open the editor.
";

    #[test]
    fn srt_with_crlf_and_bom() {
        let upload = format!("\u{feff}{}", SRT_LF.replace('\n', "\r\n"));
        let expected = vec![
            c(1_000, 4_000, "<i>Welcome</i> to the course.", 2),
            c(4_500, 7_250, "Thanks, Anna & everyone.\nLet's start.", 6),
            c(
                HOUR + 9_000,
                HOUR + 12_000,
                "Step one: open the editor.",
                11,
            ),
        ];
        assert_eq!(parse(upload.as_bytes(), 2 * HOUR), Ok(expected.clone()));
        assert_eq!(parse(SRT_LF.as_bytes(), 2 * HOUR), Ok(expected));
    }

    #[test]
    fn srt_and_webvtt_of_the_same_captions_give_the_same_cues() {
        let srt = "1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n\n\
                   2\n00:00:03,000 --> 00:00:04,000\nBye\n";
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\nworld\n\n\
                   00:00:03.000 --> 00:00:04.000\nBye\n";
        // Each SRT cue has a number line where the WebVTT file has the signature (first
        // cue) or the empty line before the cue (the others), so the lines differ.
        assert_eq!(
            ok(srt),
            vec![
                c(1_000, 2_500, "Hello\nworld", 2),
                c(3_000, 4_000, "Bye", 7)
            ]
        );
        assert_eq!(
            ok(vtt),
            vec![
                c(1_000, 2_500, "Hello\nworld", 3),
                c(3_000, 4_000, "Bye", 7)
            ]
        );
    }

    #[test]
    fn srt_tolerates_extra_empty_lines_and_cues_without_text() {
        let text = "\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n\n\n\n2\n00:00:03,000 --> 00:00:04,000\n\n\
                    3\n00:00:05,000 --> 00:00:06,000\nC\n  \n4\n00:00:07,000 --> 00:00:08,000\nD\n\n\n";
        assert_eq!(
            ok(text),
            vec![
                c(1_000, 2_000, "A", 4),
                c(3_000, 4_000, "", 10),
                c(5_000, 6_000, "C", 13),
                c(7_000, 8_000, "D", 17),
            ]
        );
    }

    #[test]
    fn srt_converts_to_normalised_webvtt() {
        let cues = parse(SRT_LF.as_bytes(), 2 * HOUR).expect("valid SRT");
        assert_eq!(
            to_webvtt(&cues),
            "WEBVTT\n\n\
             00:00:01.000 --> 00:00:04.000\n<i>Welcome</i> to the course.\n\n\
             00:00:04.500 --> 00:00:07.250\nThanks, Anna & everyone.\nLet's start.\n\n\
             01:00:09.000 --> 01:00:12.000\nStep one: open the editor.\n\n"
        );
    }

    #[test]
    fn webvtt_output_reads_back_as_the_same_cues() {
        let cues = ok(WEBVTT);
        let again = ok(&to_webvtt(&cues));
        let times = |cues: &[Cue]| {
            cues.iter()
                .map(|cue| (cue.start_ms, cue.end_ms, cue.text.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(times(&again), times(&cues));
        assert_eq!(
            again.iter().map(|cue| cue.line).collect::<Vec<_>>(),
            [3, 6, 10]
        );
    }

    #[test]
    fn to_webvtt_keeps_the_file_well_formed() {
        assert_eq!(to_webvtt(&[]), "WEBVTT\n\n");
        let cues = [
            c(0, 1_000, "Menu --> Save\n\nnext line", 1),
            c(100 * HOUR, 100 * HOUR + 1, "", 2),
        ];
        assert_eq!(
            to_webvtt(&cues),
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMenu --&gt; Save\nnext line\n\n\
             100:00:00.000 --> 100:00:00.001\n\n\n"
        );
    }

    #[test]
    fn not_utf8_names_the_line_of_the_first_bad_byte() {
        let mut upload = b"WEBVTT\n\n00:01.000 --> 00:02.000\nCaf".to_vec();
        upload.push(0xe9); // "é" in Latin-1
        upload.extend_from_slice(b"\n");
        assert_eq!(codes(&parse(&upload, HOUR).unwrap_err()), [(4, "not_utf8")]);
        assert_eq!(
            codes(&parse(&[0xff, 0xfe, b'W'], HOUR).unwrap_err()),
            [(1, "not_utf8")]
        );
    }

    #[test]
    fn too_large_is_refused_before_reading() {
        let upload = vec![b'a'; TRACK_MAX_BYTES + 1];
        assert_eq!(
            codes(&parse(&upload, HOUR).unwrap_err()),
            [(0, "too_large")]
        );
        // Exactly the limit is read (and is then simply no track).
        let upload = vec![b'a'; TRACK_MAX_BYTES];
        assert_eq!(
            codes(&parse(&upload, HOUR).unwrap_err()),
            [(0, "unknown_format")]
        );
    }

    #[test]
    fn unknown_format() {
        for text in [
            "Hello, this is not a subtitle file.\n",
            "WEBVTTX\n\n00:01.000 --> 00:02.000\nA\n",
            "{\"cues\": []}",
            "[Script Info]\nTitle: ASS\n",
        ] {
            assert_eq!(
                codes(&errors(text, HOUR)),
                [(0, "unknown_format")],
                "{text}"
            );
        }
    }

    #[test]
    fn empty_uploads_have_no_cues() {
        for text in [
            "",
            "   \n\n",
            "\u{feff}",
            "WEBVTT\n",
            "WEBVTT\nKind: captions\n\nNOTE only a note\n",
        ] {
            assert_eq!(codes(&errors(text, HOUR)), [(0, "no_cues")], "{text:?}");
        }
    }

    #[test]
    fn webvtt_syntax_errors_name_their_line_and_the_rest_is_still_checked() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\n00:03,000 --> 00:04,000\nB\n\n\
                    just some text\nwithout timing\n\n00:05.000 --> 00:06.000\nC\n\n\
                    00:07.000 --> 00:99.000\nD\n\n00:08.000 --> 00:09.000\nE\n";
        assert_eq!(
            codes(&errors(text, 3_000)),
            [
                (6, "syntax"),
                (10, "syntax"),
                (12, "beyond_duration"),
                (15, "syntax"),
                (18, "beyond_duration"),
            ]
        );
    }

    #[test]
    fn webvtt_end_before_start_is_told_apart_from_syntax() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\nid\n00:05.000 --> 00:04.000 align:end\nB\n\n\
                    00:06.000 --> 00:06.000\nC\n";
        let errors = errors(text, HOUR);
        assert_eq!(
            codes(&errors),
            [(7, "end_before_start"), (10, "end_before_start")]
        );
        assert!(
            errors[0].message.contains("00:00:04.000"),
            "{}",
            errors[0].message
        );
        assert!(errors[1].message.contains("at the moment it starts"));
    }

    #[test]
    fn srt_syntax_errors_name_their_line() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:0x,000 --> 00:00:04,000\nB\n\n\
                    3\n00:00:05,000 -> 00:00:06,000\nC\n\n4\n00:00:07,000 --> 00:00:08,000 X1:10\nD\n\n\
                    five\n00:00:09,000 --> 00:00:10,000\nE\n\n6\n";
        assert_eq!(
            codes(&errors(text, HOUR)),
            [
                (6, "syntax"),
                (10, "syntax"),
                (14, "syntax"),
                (17, "syntax"),
                (21, "syntax")
            ]
        );
    }

    #[test]
    fn srt_end_before_start() {
        let text = "1\n00:00:05,000 --> 00:00:04,000\nA\n\n2\n00:00:06,000 --> 00:00:06,000\nB\n";
        assert_eq!(
            codes(&errors(text, HOUR)),
            [(2, "end_before_start"), (6, "end_before_start")]
        );
    }

    #[test]
    fn not_ascending() {
        let text = "WEBVTT\n\n00:05.000 --> 00:06.000\nA\n\n00:04.000 --> 00:07.000\nB\n\n\
                    00:04.000 --> 00:05.000\nSame start is fine\n";
        let errors = errors(text, HOUR);
        assert_eq!(codes(&errors), [(6, "not_ascending")]);
        assert!(
            errors[0].message.contains("line 3"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn beyond_duration() {
        let text = "1\n00:00:01,000 --> 00:00:10,000\nA\n\n2\n00:00:10,000 --> 00:00:10,001\nB\n";
        assert_eq!(codes(&errors(text, 10_000)), [(6, "beyond_duration")]);
        assert!(parse(text.as_bytes(), 10_001).is_ok());
    }

    #[test]
    fn too_many_cues() {
        let mut text = String::from("WEBVTT\n");
        for i in 0..=CUES_MAX as u64 {
            text.push_str(&format!(
                "\n{} --> {}\nx\n",
                timestamp(i * 100),
                timestamp(i * 100 + 50)
            ));
        }
        // Cue n (0-based) has its timing line on line 3 + 3n.
        assert_eq!(
            codes(&errors(&text, HOUR)),
            [(3 + 3 * CUES_MAX, "too_many_cues")]
        );
    }

    #[test]
    fn cue_too_long() {
        let fits = "a".repeat(CUE_TEXT_MAX);
        let over = "é".repeat(CUE_TEXT_MAX + 1);
        let text = format!(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n{fits}\n\n00:03.000 --> 00:04.000\n{over}\n"
        );
        assert_eq!(codes(&errors(&text, HOUR)), [(6, "cue_too_long")]);
    }

    #[test]
    fn nul_characters() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\0B\n\n00:03.000 --> 00:04.000\nC\n";
        assert_eq!(codes(&errors(text, HOUR)), [(4, "nul")]);
        assert_eq!(
            codes(&errors("\0", HOUR)),
            [(0, "unknown_format"), (1, "nul")]
        );
    }

    #[test]
    fn arrow_in_cue_text_is_refused() {
        // A line of spaces does not end a WebVTT cue, so the next cue became text.
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n   \n00:03.000 --> 00:04.000\nB\n";
        assert_eq!(codes(&errors(text, HOUR)), [(6, "syntax")]);
        // In SRT a missing empty line does the same.
        let text = "1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n";
        let errors = errors(text, HOUR);
        assert_eq!(codes(&errors), [(5, "syntax")]);
        assert!(
            errors[0].message.contains("line 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn errors_are_ordered_by_line_and_capped() {
        let mut text = String::from("WEBVTT\n");
        for i in 0..30u64 {
            text.push_str(&format!(
                "\n{} --> {}\nx\n",
                timestamp(i * 1_000 + 500),
                timestamp(i * 1_000)
            ));
        }
        let errors = errors(&text, HOUR);
        assert_eq!(errors.len(), ERRORS_MAX);
        assert!(errors.iter().all(|e| e.code == "end_before_start"));
        let lines = errors.iter().map(|e| e.line).collect::<Vec<_>>();
        assert_eq!(
            lines,
            (0..ERRORS_MAX).map(|n| 3 + 3 * n).collect::<Vec<_>>()
        );
    }

    #[test]
    fn errors_read_well() {
        let error = TrackError::new(7, "syntax", "Broken.");
        assert_eq!(error.to_string(), "line 7: Broken. (syntax)");
        assert_eq!(
            no_cues().to_string(),
            "The file holds no cues, so there is nothing to show. (no_cues)"
        );
    }

    #[test]
    fn detect_judges_the_content() {
        assert_eq!(detect("WEBVTT\n"), Some(Format::WebVtt));
        assert_eq!(detect("WEBVTT"), Some(Format::WebVtt));
        assert_eq!(detect("\u{feff}WEBVTT - Title\r\n"), Some(Format::WebVtt));
        assert_eq!(detect("WEBVTT\tTitle\n"), Some(Format::WebVtt));
        assert_eq!(detect("WEBVTTX\n"), None);
        assert_eq!(detect(" WEBVTT\n"), None);
        assert_eq!(detect(SRT_LF), Some(Format::Srt));
        assert_eq!(
            detect(&format!("\u{feff}{}", SRT_LF.replace('\n', "\r\n"))),
            Some(Format::Srt)
        );
        // A mistake further down does not make the file unknown.
        assert_eq!(
            detect("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\nbroken\n"),
            Some(Format::Srt)
        );
        assert_eq!(detect("1\n00:00:01.000 --> 00:00:02.000\nA\n"), None);
        assert_eq!(detect("Just text.\n"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn plain_text_strips_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<v Anna>Welcome to the course.</v>"),
            "Welcome to the course."
        );
        assert_eq!(
            plain_text("<v.loud Ben><i>Thanks,</i>\n<b>Anna</b> &amp; <c.yellow.bg>everyone</c>."),
            "Thanks, Anna & everyone."
        );
        assert_eq!(
            plain_text("<00:00:01.000><c> one</c><00:02.500><c> two</c>"),
            "one two"
        );
        assert_eq!(plain_text("a &lt;b&gt; c"), "a <b> c");
        assert_eq!(plain_text("10&nbsp;km"), "10\u{a0}km");
        assert_eq!(plain_text("&lrm;abc&rlm;"), "\u{200e}abc\u{200f}");
        assert_eq!(
            plain_text("&quot;it&apos;s&quot; &#39;x&#x2019;"),
            "\"it's\" 'x\u{2019}"
        );
        assert_eq!(plain_text("  spaced \t out\n\nlines  "), "spaced out lines");
        assert_eq!(plain_text("<font color=\"red\">red</font>"), "red");
        assert_eq!(plain_text("<ruby>漢<rt>kan</rt></ruby>"), "漢kan");
    }

    #[test]
    fn plain_text_keeps_what_is_no_markup() {
        assert_eq!(plain_text("I <3 Rust"), "I <3 Rust");
        assert_eq!(plain_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(plain_text("unclosed <i tag"), "unclosed <i tag");
        assert_eq!(
            plain_text("Tom & Jerry &unknown; &#0; &#xZZ; &#"),
            "Tom & Jerry &unknown; &#0; &#xZZ; &#"
        );
        assert_eq!(plain_text(""), "");
        assert_eq!(plain_text("<i></i>"), "");
    }

    #[test]
    fn transcript_joins_paragraphs_and_drops_repeats() {
        let cues = [
            c(0, 1_000, "<v Anna>Hello and welcome.", 1),
            c(1_000, 2_000, "Today: <b>tracks</b>.", 2),
            c(2_000, 3_000, "Today: tracks.", 3),
            c(3_500, 5_000, "Let's go.", 4),
            c(7_000, 8_000, "<i></i>", 5),
            c(7_000, 8_000, "Part two.", 6),
            c(9_000, 9_500, "Part two.", 7),
            c(11_400, 12_000, "Still part two.", 8),
            c(14_000, 15_000, "Part three.", 9),
        ];
        assert_eq!(
            transcript(&cues),
            "Hello and welcome. Today: tracks. Let's go.\n\n\
             Part two. Still part two.\n\nPart three."
        );
    }

    #[test]
    fn transcript_measures_gaps_from_the_latest_end() {
        let cues = [
            c(0, 10_000, "Long cue.", 1),
            c(1_000, 2_000, "Overlapping cue.", 2),
            c(9_000, 11_000, "Next.", 3),
        ];
        assert_eq!(transcript(&cues), "Long cue. Overlapping cue. Next.");
        assert_eq!(transcript(&[]), "");
    }

    #[test]
    fn timestamps_are_written_with_hours() {
        assert_eq!(timestamp(0), "00:00:00.000");
        assert_eq!(timestamp(HOUR + 2 * 60_000 + 3_004), "01:02:03.004");
        assert_eq!(timestamp(123 * HOUR), "123:00:00.000");
    }
}
