//! The rows of the CSV files skillroute reads — arrival traces, and
//! `staffing --profile` files, whose example includes this file (`#[path]`)
//! so that both read fields alike.
//!
//! The `csv` crate splits the rows and undoes the quoting. Before it, a
//! text with double quotes in it is tidied line by line, for what
//! csv-core reads otherwise than these files have always been read: a
//! quote after blanks (` "a,b"`) opens a quoted field here, where csv-core
//! takes it for a literal character of an unquoted field (and splits the
//! name at its comma); an unclosed quote is an error naming its line, where
//! csv-core reads on through the next lines' ends to the next quote; and so
//! is text after a closing quote (`"bi"ll`), which csv-core would append
//! to the field. A quoted field so never spans lines (the per-contact
//! trace writes a name with a line break across lines; no arrival trace
//! or profile has one).

use std::borrow::Cow;

/// What is wrong with a line's quoting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    /// A quote opens a field and the line ends before its closing quote.
    Unclosed,
    /// Text other than blanks follows a closing quote before the next
    /// comma: the rest of the line from there.
    AfterQuote(String),
    /// What the `csv` crate itself refused.
    Csv(String),
}

/// A line whose quoting is wrong: its index (0 for the first line), the
/// field (1 for the first) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadLine {
    pub line: usize,
    pub field: usize,
    pub fault: Fault,
}

/// One row's fields: a quoted field as written between its quotes (`""`
/// made one quote), an unquoted one trimmed.
pub(crate) struct Row<'r> {
    record: &'r csv::StringRecord,
    // Whether the fields still carry the blanks around them (a text
    // without quotes is read as it is, and trimmed here).
    trim: bool,
}

impl<'r> Row<'r> {
    /// The fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'r str> + use<'r> {
        let trim = self.trim;
        self.record
            .iter()
            .map(move |f| if trim { f.trim() } else { f })
    }
}

/// Calls `each` with the index of each row's line (0 for the first) and
/// its fields, in order, until it fails. A byte-order mark is skipped;
/// blank lines and lines whose first non-blank character is `#` are not
/// rows; lines end at `\n`, a `\r` before it is not data; rows may have any
/// number of fields. A line with bad quoting (see the module's doc) fails
/// with `bad` of it once the rows before it are read, so that the first
/// error of a file is the one said, whatever it is.
pub(crate) fn for_each_row<E>(
    text: &str,
    bad: impl Fn(BadLine) -> E,
    mut each: impl FnMut(usize, Row<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The common file has no quote at all: csv reads it as it is, with no
    // copy, and the fields are trimmed as they are handed out.
    let (tidied, fault) = if text.contains('"') {
        let (tidied, fault) = tidy(text);
        (Cow::Owned(tidied), fault)
    } else {
        (Cow::Borrowed(text), None)
    };
    let trim = matches!(tidied, Cow::Borrowed(_));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(tidied.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return fault.map_or(Ok(()), |b| Err(bad(b))),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize - 1);
                return Err(bad(BadLine {
                    line,
                    field: 1,
                    fault: Fault::Csv(e.to_string()),
                }));
            }
        }
        // The record's own position is where csv began to read it, before
        // the empty lines it skipped: its line is the one it ended on. No
        // record spans lines (quotes are checked first), and csv counts the
        // `\n` that ends it.
        let end = reader.position();
        let ended_by_newline = tidied
            .as_bytes()
            .get(..end.byte() as usize)
            .is_some_and(|read| read.ends_with(b"\n"));
        let line = (end.line() as usize).saturating_sub(1 + usize::from(ended_by_newline));
        let row = Row {
            record: &record,
            trim,
        };
        if trim {
            let mut fields = row.iter();
            let first = fields.next().unwrap_or("");
            if first.starts_with('#') || (first.is_empty() && record.len() == 1) {
                continue;
            }
        }
        each(line, row)?;
    }
}

/// `text` with each field's surrounding blanks dropped, outside its quotes
/// (so that csv-core sees a quote that opens a field first, and a comma or
/// the line's end right after the closing quote), and blank and comment
/// lines emptied: one line for each line, so that csv's line numbers are
/// the file's. Checks each line's quotes (see the module's doc): up to the
/// first line whose quotes are wrong, and what is wrong with it.
fn tidy(text: &str) -> (String, Option<BadLine>) {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if !(line.is_empty() || line.starts_with('#')) {
            let start = out.len();
            if let Err((field, fault)) = tidy_line(line, &mut out) {
                out.truncate(start);
                let bad = BadLine {
                    line: n,
                    field,
                    fault,
                };
                return (out, Some(bad));
            }
        }
        out.push('\n');
    }
    (out, None)
}

/// One non-blank line for [`tidy`], appended to `out`; or the field at
/// fault (1 for the first) and what is wrong.
fn tidy_line(line: &str, out: &mut String) -> Result<(), (usize, Fault)> {
    let mut rest = line;
    let mut field = 1;
    loop {
        let f = rest.trim_start();
        let after = if let Some(quoted) = f.strip_prefix('"') {
            // The closing quote is the first one not doubled.
            let mut from = 0;
            let end = loop {
                let Some(i) = quoted[from..].find('"').map(|i| from + i) else {
                    return Err((field, Fault::Unclosed));
                };
                if quoted[i + 1..].starts_with('"') {
                    from = i + 2;
                } else {
                    break i;
                }
            };
            out.push_str(&f[..end + 2]);
            let after = quoted[end + 1..].trim_start();
            if !(after.is_empty() || after.starts_with(',')) {
                return Err((field, Fault::AfterQuote(after.to_string())));
            }
            after
        } else {
            let end = f.find(',').unwrap_or(f.len());
            out.push_str(f[..end].trim_end());
            &f[end..]
        };
        let Some(next) = after.strip_prefix(',') else {
            return Ok(());
        };
        out.push(',');
        rest = next;
        field += 1;
    }
}
