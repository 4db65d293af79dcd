//! Judging uploaded tutorial media by what the bytes are rather than by the file name or the
//! declared content type, both of which the uploader controls.
//!
//! Videos are MP4 or WebM. Their container header says how long they run and how large the
//! picture is, which the catalogue shows and the progress tracking relies on. Posters are
//! judged by `academy_files::image`, as every picture is.
//!
//! Every byte seen here comes from an untrusted upload, so no input may make these functions
//! panic or exhaust memory. The containers are read by maintained crates made for that job:
//!
//! - `mp4parse` (Mozilla's MP4 parser, shipped in Firefox and fuzzed there) reads MP4 with
//!   fallible allocations, so a header announcing absurd table sizes fails instead of
//!   aborting the process;
//! - `matroska-demuxer` reads WebM, bounding every declared element size by the bytes that are
//!   really there;
//! - `infer` recognises the two video signatures from the first bytes.
//!
//! The parsers run behind [`guarded`] all the same: a panic caused by a malformed upload
//! must become a refusal, not a crashed worker.

use std::io::{BufReader, Read, Seek, SeekFrom};

use academy_files::image::guarded;

/// How many leading bytes are read to recognise a video. The WebM signature check looks at the
/// first 256 bytes and the MP4 one at the first 12, so this leaves ample room.
pub const SNIFF_BYTES: u64 = 4096;

/// Buffer for the MP4 parser, which reads the file front to back in small pieces.
const MP4_READ_BUFFER: usize = 64 * 1024;

/// The video containers the platform plays in every current browser without transcoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoContainer {
    Mp4,
    WebM,
}

impl VideoContainer {
    /// The media type to serve the video with, taken from the content instead of the upload's
    /// claim.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Mp4 => "video/mp4",
            Self::WebM => "video/webm",
        }
    }
}

/// What the container header of an accepted video states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoInfo {
    pub container: VideoContainer,
    /// Running time in milliseconds, rounded to the nearest one.
    pub duration_ms: u64,
    /// Width of the picture as it is displayed (after the pixel aspect ratio and a quarter-turn
    /// rotation are applied), when the header states it.
    pub width: Option<u32>,
    /// Height of the picture as it is displayed, when the header states it.
    pub height: Option<u32>,
}

/// Why an upload was not accepted as a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaRefusal {
    /// Not MP4 nor WebM (or an executable)
    UnknownType,
    /// The header could not be read
    Unreadable(String),
    /// The container states no duration
    NoDuration,
}

/// Judges a whole file (`reader` over it, `size` its length in bytes).
///
/// The kind is recognised from the first bytes, then the container header is read: for MP4
/// the `moov` box, wherever it lies (encoders that do not "fast start" put it at the end); for
/// WebM the segment information and track entries. MP4 files are read once from start to end
/// because the parser works on a plain stream; WebM files are read by seeking to the elements
/// needed.
pub fn video_info<R: Read + Seek>(mut reader: R, size: u64) -> Result<VideoInfo, MediaRefusal> {
    let head = read_head(&mut reader)?;
    match sniff_video(&head) {
        None => Err(MediaRefusal::UnknownType),
        Some(VideoContainer::Mp4) => mp4_info(reader, size),
        Some(VideoContainer::WebM) => webm_info(reader),
    }
}

/// Judges from the first bytes only, cheaply, before an upload is stored: Some(container) when
/// the signature is MP4 (`ftyp` box at offset 4) or WebM (EBML magic 1A 45 DF A3 with DocType
/// "webm").
///
/// For MP4 the major brand must also be a video one (`isom`, `mp41`, `mp42`, `avc1`, `M4V `
/// and the like): the same `ftyp` box opens QuickTime movies, M4A audio and AVIF or HEIF
/// images, none of which belong here. WebM needs at least the first 257 bytes, since the
/// DocType is looked for within the first 256. Other Matroska files are refused because
/// browsers only promise to play the WebM subset.
pub fn sniff_video(head: &[u8]) -> Option<VideoContainer> {
    if infer::video::is_mp4(head) || infer::video::is_m4v(head) {
        Some(VideoContainer::Mp4)
    } else if infer::video::is_webm(head) {
        Some(VideoContainer::WebM)
    } else {
        None
    }
}

/// Reads the leading bytes used to recognise the container and rewinds, so that the parser
/// then sees the file from its first byte whatever position the reader was handed over at.
fn read_head<R: Read + Seek>(reader: &mut R) -> Result<Vec<u8>, MediaRefusal> {
    let unreadable = |err: std::io::Error| MediaRefusal::Unreadable(format!("reading: {err}"));
    reader.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut head = Vec::new();
    reader
        .by_ref()
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    reader.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    Ok(head)
}

fn mp4_info<R: Read>(reader: R, size: u64) -> Result<VideoInfo, MediaRefusal> {
    // `take(size)` keeps the parser inside the stated file even if the reader goes on.
    let mut input = BufReader::with_capacity(MP4_READ_BUFFER, reader.take(size));
    let context = guarded(|| mp4parse::read_mp4(&mut input))
        .ok_or_else(|| MediaRefusal::Unreadable("MP4: the parser failed on malformed data".into()))?
        .map_err(|err| MediaRefusal::Unreadable(format!("MP4: {err}")))?;
    let duration_ms = mp4_duration_ms(&context).ok_or(MediaRefusal::NoDuration)?;
    let (width, height) = match mp4_display_size(&context) {
        Some((width, height)) => (Some(width), Some(height)),
        None => (None, None),
    };
    Ok(VideoInfo {
        container: VideoContainer::Mp4,
        duration_ms,
        width,
        height,
    })
}

/// The running time of an MP4, as players show it.
///
/// `mp4parse` does not hand out the movie header's own duration, but that one is by definition
/// the longest of the track header durations, which it does give, in the same movie time
/// scale and with the edit lists already applied. A track without a usable header duration
/// falls back to its media duration. A fragmented file whose `moov` states nothing may still
/// carry the total in its movie extends header (`mehd`); without that, the container states no
/// duration and the file is refused rather than guessed at from its fragments.
fn mp4_duration_ms(context: &mp4parse::MediaContext) -> Option<u64> {
    let movie_scale = context.timescale.map(|scale| scale.0);
    let longest_track = context
        .tracks
        .iter()
        .filter_map(|track| {
            let from_header = track
                .tkhd
                .as_ref()
                .zip(movie_scale)
                // All ones in a version 0 header means "unknown".
                .filter(|(tkhd, _)| tkhd.duration != u64::from(u32::MAX))
                .and_then(|(tkhd, scale)| ticks_to_ms(tkhd.duration, scale))
                .filter(|ms| *ms > 0);
            let from_media = || {
                track
                    .duration
                    .zip(track.timescale)
                    .and_then(|(duration, scale)| ticks_to_ms(duration.0, scale.0))
            };
            from_header.or_else(from_media)
        })
        .max()
        .filter(|ms| *ms > 0);
    longest_track.or_else(|| {
        let fragments = context.mvex.as_ref()?.fragment_duration?;
        ticks_to_ms(fragments.0, movie_scale?).filter(|ms| *ms > 0)
    })
}

/// The displayed size of the first video track of an MP4.
///
/// The track header carries the presentation size (16.16 fixed point), which already accounts
/// for non-square pixels; the sample entry's coded size is the fallback when it is missing. A
/// quarter-turn in the track matrix, as phones write for portrait recordings, swaps the two.
fn mp4_display_size(context: &mp4parse::MediaContext) -> Option<(u32, u32)> {
    let track = context
        .tracks
        .iter()
        .find(|track| track.track_type == mp4parse::TrackType::Video)?;
    let from_header = track
        .tkhd
        .as_ref()
        .map(|tkhd| (tkhd.width >> 16, tkhd.height >> 16));
    let from_entry = || {
        track
            .stsd
            .as_ref()?
            .descriptions
            .iter()
            .find_map(|entry| match entry {
                mp4parse::SampleEntry::Video(video) => {
                    Some((u32::from(video.width), u32::from(video.height)))
                }
                _ => None,
            })
    };
    let (width, height) = from_header
        .filter(|(width, height)| *width > 0 && *height > 0)
        .or_else(from_entry)
        .filter(|(width, height)| *width > 0 && *height > 0)?;
    let quarter_turn = track.tkhd.as_ref().is_some_and(|tkhd| {
        let matrix = tkhd.matrix;
        matrix.a == 0 && matrix.d == 0 && matrix.b != 0 && matrix.c != 0
    });
    Some(if quarter_turn {
        (height, width)
    } else {
        (width, height)
    })
}

/// Converts a count of time-scale ticks to milliseconds, rounding to nearest. Wide arithmetic
/// keeps huge declared values from overflowing; a result beyond `u64` is treated as no value.
fn ticks_to_ms(ticks: u64, ticks_per_second: u64) -> Option<u64> {
    if ticks_per_second == 0 {
        return None;
    }
    let scale = u128::from(ticks_per_second);
    let ms = (u128::from(ticks) * 1000 + scale / 2) / scale;
    u64::try_from(ms).ok()
}

fn webm_info<R: Read + Seek>(reader: R) -> Result<VideoInfo, MediaRefusal> {
    let file = guarded(|| matroska_demuxer::MatroskaFile::open(reader))
        .ok_or_else(|| {
            MediaRefusal::Unreadable("WebM: the parser failed on malformed data".into())
        })?
        .map_err(|err| MediaRefusal::Unreadable(format!("WebM: {err}")))?;
    // The signature check already looked for the DocType; this is the parser's own reading.
    if file.ebml_header().doc_type() != "webm" {
        return Err(MediaRefusal::UnknownType);
    }
    let info = file.info();
    let duration_ms = info
        .duration()
        .and_then(|duration| matroska_ticks_to_ms(duration, info.timestamp_scale().get()))
        .filter(|ms| *ms > 0)
        .ok_or(MediaRefusal::NoDuration)?;
    let size = file
        .tracks()
        .iter()
        .filter(|track| track.track_type() == matroska_demuxer::TrackType::Video)
        .find_map(|track| track.video())
        .map(webm_display_size);
    let (width, height) = match size {
        Some((width, height)) => (width, height),
        None => (None, None),
    };
    Ok(VideoInfo {
        container: VideoContainer::WebM,
        duration_ms,
        width,
        height,
    })
}

/// Matroska states the duration as a float counted in "timestamp scale" units of nanoseconds
/// (one million by default, so usually milliseconds). Negative, infinite or absurdly large
/// values are treated as no duration.
fn matroska_ticks_to_ms(duration: f64, timestamp_scale_ns: u64) -> Option<u64> {
    let ms = duration * timestamp_scale_ns as f64 / 1_000_000.0;
    // 2^63 ms is far beyond any real file and safely inside `u64`.
    if ms.is_finite() && (0.0..9.2e18).contains(&ms) {
        Some(ms.round() as u64)
    } else {
        None
    }
}

/// The displayed size of a WebM video track: the display size when it is given in pixels (it
/// accounts for non-square pixels and cropping), the coded size otherwise.
fn webm_display_size(video: &matroska_demuxer::Video) -> (Option<u32>, Option<u32>) {
    let in_pixels = matches!(
        video.display_unit(),
        None | Some(matroska_demuxer::DisplayUnit::Pixels)
    );
    let (width, height) = match (video.display_width(), video.display_height()) {
        (Some(width), Some(height)) if in_pixels => (width.get(), height.get()),
        _ => (video.pixel_width().get(), video.pixel_height().get()),
    };
    (u32::try_from(width).ok(), u32::try_from(height).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const MP4_FASTSTART: &[u8] = include_bytes!("../tests/fixtures/short-faststart.mp4");
    const MP4_MOOV_AT_END: &[u8] = include_bytes!("../tests/fixtures/short-moov-at-end.mp4");
    const MP4_ROTATED: &[u8] = include_bytes!("../tests/fixtures/rotated.mp4");
    const MP4_FRAGMENTED: &[u8] = include_bytes!("../tests/fixtures/fragmented.mp4");
    const WEBM: &[u8] = include_bytes!("../tests/fixtures/short.webm");
    const WEBM_LIVE: &[u8] = include_bytes!("../tests/fixtures/live.webm");
    const TEXT_AS_MP4: &[u8] = include_bytes!("../tests/fixtures/not-a-video.mp4");
    const PNG: &[u8] = include_bytes!("../../files/tests/fixtures/poster.png");
    const JPEG: &[u8] = include_bytes!("../../files/tests/fixtures/poster.jpg");
    const WEBP_LOSSY: &[u8] = include_bytes!("../../files/tests/fixtures/poster.webp");
    const WEBP_LOSSLESS: &[u8] = include_bytes!("../../files/tests/fixtures/poster-lossless.webp");

    fn judge(bytes: &[u8]) -> Result<VideoInfo, MediaRefusal> {
        video_info(Cursor::new(bytes), bytes.len() as u64)
    }

    fn assert_close(actual_ms: u64, expected_ms: u64) {
        assert!(
            actual_ms.abs_diff(expected_ms) <= 5,
            "duration {actual_ms} ms, expected about {expected_ms} ms"
        );
    }

    /// A header padded to the length the WebM signature check needs.
    fn padded(prefix: &[u8]) -> Vec<u8> {
        let mut bytes = prefix.to_vec();
        bytes.resize(512, 0);
        bytes
    }

    #[test]
    fn mp4_with_moov_first_is_read() {
        let info = judge(MP4_FASTSTART).unwrap();
        assert_eq!(info.container, VideoContainer::Mp4);
        assert_close(info.duration_ms, 3000);
        assert_eq!((info.width, info.height), (Some(64), Some(36)));
    }

    #[test]
    fn mp4_with_moov_at_the_end_is_read() {
        // The `moov` box really is behind the media data in this fixture.
        assert_eq!(&MP4_MOOV_AT_END[44..48], b"mdat");
        let info = judge(MP4_MOOV_AT_END).unwrap();
        assert_eq!(info.container, VideoContainer::Mp4);
        assert_close(info.duration_ms, 2400);
        assert_eq!((info.width, info.height), (Some(80), Some(48)));
    }

    #[test]
    fn mp4_quarter_turn_swaps_the_displayed_size() {
        let info = judge(MP4_ROTATED).unwrap();
        assert_close(info.duration_ms, 3000);
        assert_eq!((info.width, info.height), (Some(36), Some(64)));
    }

    #[test]
    fn mp4_reader_position_and_trailing_bytes_do_not_matter() {
        let mut longer = MP4_FASTSTART.to_vec();
        longer.extend_from_slice(&[0xAB; 100]);
        let mut reader = Cursor::new(longer);
        reader.set_position(1000);
        let info = video_info(reader, MP4_FASTSTART.len() as u64).unwrap();
        assert_close(info.duration_ms, 3000);
    }

    #[test]
    fn fragmented_mp4_without_a_stated_duration_is_refused() {
        assert_eq!(judge(MP4_FRAGMENTED), Err(MediaRefusal::NoDuration));
    }

    #[test]
    fn webm_is_read() {
        let info = judge(WEBM).unwrap();
        assert_eq!(info.container, VideoContainer::WebM);
        assert_close(info.duration_ms, 2000);
        assert_eq!((info.width, info.height), (Some(48), Some(32)));
    }

    #[test]
    fn live_webm_without_a_duration_is_refused() {
        assert_eq!(judge(WEBM_LIVE), Err(MediaRefusal::NoDuration));
    }

    #[test]
    fn renamed_text_file_is_refused() {
        assert_eq!(judge(TEXT_AS_MP4), Err(MediaRefusal::UnknownType));
        assert_eq!(sniff_video(TEXT_AS_MP4), None);
    }

    #[test]
    fn executables_images_and_empty_files_are_refused() {
        let elf = padded(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0");
        let windows = padded(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0");
        for bytes in [&elf[..], &windows[..], PNG, JPEG, b"", b"\0\0\0\0"] {
            assert_eq!(judge(bytes), Err(MediaRefusal::UnknownType));
        }
    }

    #[test]
    fn truncated_mp4_is_unreadable_not_a_panic() {
        // Cut inside the `moov` box, which starts at byte 32 of the fast-start fixture.
        assert_eq!(&MP4_FASTSTART[36..40], b"moov");
        let cut = &MP4_FASTSTART[..300];
        assert!(matches!(judge(cut), Err(MediaRefusal::Unreadable(_))));
        // Cut anywhere before the trailing `moov` box: the header is missing altogether.
        for len in (12..MP4_MOOV_AT_END.len()).step_by(97) {
            let cut = &MP4_MOOV_AT_END[..len];
            assert!(
                matches!(judge(cut), Err(MediaRefusal::Unreadable(_))),
                "cut at {len}: {:?}",
                judge(cut)
            );
        }
    }

    #[test]
    fn every_prefix_of_the_videos_is_judged_without_panicking() {
        for fixture in [MP4_FASTSTART, MP4_MOOV_AT_END, WEBM, WEBM_LIVE] {
            for len in 0..fixture.len() {
                let _ = judge(&fixture[..len]);
                let _ = sniff_video(&fixture[..len]);
            }
        }
    }

    #[test]
    fn stated_size_shorter_than_the_file_is_respected() {
        // Only the first bytes are "the file": the trailing `moov` is out of reach.
        let result = video_info(Cursor::new(MP4_MOOV_AT_END), 1000);
        assert!(matches!(result, Err(MediaRefusal::Unreadable(_))));
    }

    #[test]
    fn corrupted_videos_and_pictures_never_panic_the_video_judge() {
        // Deterministic xorshift, so a failure can be replayed.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let fixtures = [
            MP4_FASTSTART,
            MP4_MOOV_AT_END,
            MP4_ROTATED,
            MP4_FRAGMENTED,
            WEBM,
            WEBM_LIVE,
            PNG,
            JPEG,
            WEBP_LOSSY,
            WEBP_LOSSLESS,
        ];
        for fixture in fixtures {
            for _ in 0..200 {
                let mut bytes = fixture.to_vec();
                for _ in 0..1 + next() % 8 {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
                let _ = judge(&bytes);
            }
        }
    }

    #[test]
    fn sniffing_recognises_the_containers_from_the_head() {
        assert_eq!(sniff_video(&MP4_FASTSTART[..64]), Some(VideoContainer::Mp4));
        assert_eq!(
            sniff_video(&MP4_MOOV_AT_END[..64]),
            Some(VideoContainer::Mp4)
        );
        assert_eq!(sniff_video(&WEBM[..512]), Some(VideoContainer::WebM));
        assert_eq!(sniff_video(WEBM_LIVE), Some(VideoContainer::WebM));
    }

    #[test]
    fn sniffing_refuses_look_alikes() {
        // The same `ftyp` box opens QuickTime movies, M4A audio and AVIF images.
        let quicktime = b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ";
        let audio = b"\0\0\0\x18ftypM4A \0\0\x02\0M4A isom";
        let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";
        // Matroska but not WebM.
        let matroska = padded(b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska\x42\x87\x81\x04");
        for head in [&quicktime[..], &audio[..], &avif[..], &matroska[..]] {
            assert_eq!(sniff_video(head), None);
            assert_eq!(judge(head), Err(MediaRefusal::UnknownType));
        }
        for head in [&b""[..], b"ftyp", b"\x1a\x45\xdf\xa3", TEXT_AS_MP4, PNG] {
            assert_eq!(sniff_video(head), None);
        }
    }

    #[test]
    fn media_types_follow_the_content() {
        assert_eq!(VideoContainer::Mp4.media_type(), "video/mp4");
        assert_eq!(VideoContainer::WebM.media_type(), "video/webm");
    }
}
