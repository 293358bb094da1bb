//! HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): export of exchanges, and
//! import of a capture into exchanges, read with bounds (file size, entry count) and every
//! number checked before it becomes a time or a status.

use std::io::Read as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{TranscriptError, shown};
use crate::oauth::Exchange;
use crate::oauth::time;

/// The largest HAR file read.
pub const MAX_HAR_BYTES: u64 = 16 * 1024 * 1024;
/// The most entries read from one HAR file.
pub const MAX_HAR_ENTRIES: usize = 10_000;
/// The longest entry time taken from a file: a day. Longer is not a request anyone waited on.
const MAX_ENTRY_MS: f64 = 86_400_000.0;

/// The exchanges as a HAR 1.2 document, masked unless `reveal`.
pub fn to_har(exchanges: &[Exchange], reveal: bool) -> Value {
    let entries: Vec<Value> = exchanges.iter().map(|e| entry(&shown(e, reveal))).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "oauthscope", "version": env!("CARGO_PKG_VERSION") },
            "entries": entries,
        }
    })
}

fn pairs(list: &[(String, String)]) -> Vec<Value> {
    list.iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn entry(e: &Exchange) -> Value {
    let query: Vec<(String, String)> = url::Url::parse(&e.url)
        .map(|u| u.query_pairs().map(|(k, v)| (k.into(), v.into())).collect())
        .unwrap_or_default();
    let mut request = json!({
        "method": e.method,
        "url": e.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&e.request_headers),
        "queryString": pairs(&query),
        "headersSize": -1,
        "bodySize": e.request_body.as_ref().map_or(0, String::len),
    });
    if let Some(body) = &e.request_body {
        request["postData"] = json!({
            "mimeType": header(&e.request_headers, "content-type").unwrap_or(""),
            "text": body,
        });
    }
    let status = e.status.unwrap_or(0);
    let body = e.response_body.as_deref().unwrap_or("");
    let mut response = json!({
        "status": status,
        "statusText": reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or(""),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&e.response_headers),
        "content": {
            "size": body.len(),
            "mimeType": header(&e.response_headers, "content-type").unwrap_or(""),
            "text": body,
        },
        "redirectURL": header(&e.response_headers, "location").unwrap_or(""),
        "headersSize": -1,
        "bodySize": e.response_body.as_ref().map_or(-1, |b| b.len() as i64),
    });
    if let Some(error) = &e.error {
        // HAR has no member for a request that got no answer; custom ones start with `_`.
        response["_error"] = json!(error);
    }
    let ms = e.duration.as_secs_f64() * 1000.0;
    let mut entry = json!({
        "startedDateTime": started(e.started_at),
        "time": ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": { "send": 0, "wait": ms, "receive": 0 },
    });
    if let Some(error) = &e.error {
        entry["comment"] = json!(error);
    }
    entry
}

/// `2026-12-02T07:00:00.123Z`.
fn started(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let whole = time::iso8601(secs.min(*time::NUMERIC_DATE_RANGE.end()));
    let without_z = whole.trim_end_matches('Z');
    format!("{without_z}.{:03}Z", since.subsec_millis())
}

#[derive(Deserialize)]
struct HarFile {
    log: HarLog,
}

#[derive(Deserialize)]
struct HarLog {
    version: Option<String>,
    entries: Vec<HarEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarEntry {
    started_date_time: String,
    #[serde(default)]
    time: f64,
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<HarPair>,
    post_data: Option<HarPostData>,
}

#[derive(Deserialize)]
struct HarPair {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct HarPostData {
    text: Option<String>,
}

#[derive(Deserialize)]
struct HarResponse {
    status: i64,
    #[serde(default)]
    headers: Vec<HarPair>,
    content: Option<HarContent>,
    #[serde(rename = "_error")]
    error: Option<String>,
}

#[derive(Deserialize)]
struct HarContent {
    text: Option<String>,
    encoding: Option<String>,
}

/// Reads a HAR file, at most [`MAX_HAR_BYTES`] of it.
pub fn read_har_file(path: &Path) -> Result<Vec<Exchange>, TranscriptError> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| TranscriptError::Unreadable {
        path: name.clone(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut text = String::new();
    file.take(MAX_HAR_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(unreadable)?;
    if text.len() as u64 > MAX_HAR_BYTES {
        return Err(TranscriptError::TooLarge {
            path: name,
            limit: MAX_HAR_BYTES,
        });
    }
    from_har(&text)
}

/// The entries of a HAR document as exchanges, their secrets located by the engine's rule
/// so every view masks them.
pub fn from_har(text: &str) -> Result<Vec<Exchange>, TranscriptError> {
    let file: HarFile = serde_json::from_str(text).map_err(|e| {
        TranscriptError::Invalid(format!("{e} (line {}, column {})", e.line(), e.column()))
    })?;
    if let Some(version) = &file.log.version
        && !version.starts_with('1')
    {
        return Err(TranscriptError::Invalid(format!(
            "log.version is {version:?}; HAR 1.1 and 1.2 are read"
        )));
    }
    let count = file.log.entries.len();
    if count > MAX_HAR_ENTRIES {
        return Err(TranscriptError::TooManyEntries {
            count,
            limit: MAX_HAR_ENTRIES,
        });
    }
    file.log
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            exchange(entry)
                .map_err(|reason| TranscriptError::Invalid(format!("entry {}: {reason}", i + 1)))
        })
        .collect()
}

fn exchange(entry: HarEntry) -> Result<Exchange, String> {
    let status = match entry.response.status {
        0 => None,
        s @ 100..=999 => Some(s as u16),
        s => return Err(format!("response.status {s} is not an HTTP status")),
    };
    if !entry.time.is_finite() || !(0.0..=MAX_ENTRY_MS).contains(&entry.time) {
        // HAR writes -1 for "not known".
        if entry.time != -1.0 {
            return Err(format!(
                "time {} is not a plausible duration in ms",
                entry.time
            ));
        }
    }
    let duration = Duration::from_secs_f64(entry.time.max(0.0) / 1000.0);
    let response_body = match entry.response.content {
        Some(HarContent {
            text: Some(text),
            encoding: Some(encoding),
        }) if encoding.eq_ignore_ascii_case("base64") => {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| "response.content.text is not base64".to_string())?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Some(content) => content.text,
        None => None,
    };
    let to_pairs = |list: Vec<HarPair>| {
        list.into_iter()
            .map(|p| (p.name, p.value))
            .collect::<Vec<_>>()
    };
    let mut exchange = Exchange::new(entry.request.method, entry.request.url);
    exchange.started_at = parse_started(&entry.started_date_time)?;
    exchange.request_headers = to_pairs(entry.request.headers);
    exchange.request_body = entry.request.post_data.and_then(|p| p.text);
    exchange.status = status;
    exchange.response_headers = to_pairs(entry.response.headers);
    exchange.response_body = response_body.filter(|b| !b.is_empty());
    exchange.duration = duration;
    exchange.error = entry.response.error;
    exchange.locate_secrets(&[]);
    Ok(exchange)
}

/// An ISO 8601 date-time as HAR writes it: `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
fn parse_started(text: &str) -> Result<SystemTime, String> {
    let bad = || format!("startedDateTime {text:?} is not an ISO 8601 date-time");
    let number = |s: &str| -> Result<i64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (date, rest) = text.split_once('T').ok_or_else(bad)?;
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (
        number(ymd.next().unwrap_or(""))?,
        number(ymd.next().unwrap_or(""))?,
        number(ymd.next().unwrap_or(""))?,
    );
    let zone_at = rest.find(['Z', 'z', '+', '-']).ok_or_else(bad)?;
    let (clock, zone) = rest.split_at(zone_at);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = clock.splitn(3, ':');
    let (h, min, s) = (
        number(hms.next().unwrap_or(""))?,
        number(hms.next().unwrap_or(""))?,
        number(hms.next().unwrap_or(""))?,
    );
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    if h > 23 || min > 59 || s > 60 {
        return Err(bad());
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let (sign, hhmm) = zone.split_at(1);
            let (oh, om) = hhmm.split_once(':').ok_or_else(bad)?;
            let (oh, om) = (number(oh)?, number(om)?);
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let minutes = oh * 60 + om;
            if sign == "-" { -minutes } else { minutes }
        }
    };
    let millis: u64 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(3).collect();
        number(&format!("{digits:0<3}"))? as u64
    };
    let unix = days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s - offset * 60;
    Ok(time::system_time(unix) + Duration::from_millis(millis))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`, the inverse of the one `time` uses to write dates).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
