//! Streaming statistics: counts, sums and fixed-bin histograms, never a list
//! of contacts. Memory depends on the scenario's shape (contact types,
//! segments, groups, report intervals), not on how many contacts pass.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;

/// Sub-buckets per octave of the wait histogram (2^5 = 32: a bin is at most
/// 1/32 of its lower bound wide, so a quantile read at a bin's midpoint is
/// within ±1.6% of every value in the bin).
const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
/// The histogram covers waits from 2^MIN_EXP s (about 1 ms) to 2^MAX_EXP s (34 years).
const MIN_EXP: i32 = -10;
const MAX_EXP: i32 = 30;
const OCTAVES: usize = (MAX_EXP - MIN_EXP) as usize;

/// A log-linear histogram of waiting times: waits below 1 ms (read as 0: most
/// are exactly 0, contacts answered at once), then 32 bins per power of two up
/// to 2^30 s, then an overflow count. An octave's 32 bins are made at its
/// first value, all of a histogram's in one vector: waits crowd into a few
/// octaves, so a row costs a few hundred bytes and one allocation rather than
/// 10 kB, and a row that never sees a wait (an interval × contact type with
/// no answer) allocates nothing — which matters when a short replication
/// would otherwise spend its time zeroing fresh pages and allocating.
///
/// Public so that a [`Replication`](super::Replication) can carry its waits
/// (see [`Waits`](super::Waits)) and a report can pool them over replications. In JSON a
/// histogram is `{"zero": n, "over": n, "bins": [[bin, n], …]}`, the bins
/// that hold something: bin `32·k + j` is the `j`-th of 32 equal parts of
/// `[2^(k−10), 2^(k−9))` seconds.
#[derive(Clone)]
pub struct WaitHistogram {
    /// Waits below 2^MIN_EXP s, and NaN.
    zero: u64,
    /// Waits of 2^MAX_EXP s or more.
    over: u64,
    /// For each octave, 1 + the index of its bins in `chunks` (0: none yet).
    index: [u8; OCTAVES],
    /// The octaves' bins, in the order of their first values.
    chunks: Vec<[u64; SUB]>,
    count: u64,
}

thread_local! {
    /// Bin vectors of the histograms dropped on this thread (emptied), for
    /// the next ones. A replication's histograms are its largest allocation,
    /// all freed when its report is made: without this, the allocator hands
    /// that memory back to the system after every replication and the next
    /// one takes it again, page by page, which cost more time than the
    /// replication's whole routing of a short day.
    static SPARE: RefCell<Vec<Vec<[u64; SUB]>>> = const { RefCell::new(Vec::new()) };
}

/// The most bin vectors kept per thread (at most 10 kB each).
const SPARE_MAX: usize = 4096;

impl Drop for WaitHistogram {
    fn drop(&mut self) {
        if self.chunks.capacity() == 0 {
            return;
        }
        let mut spare = std::mem::take(&mut self.chunks);
        spare.clear();
        // At thread exit the pool may be gone already: then it is freed.
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARE_MAX
            {
                s.push(spare);
            }
        });
    }
}

impl Default for WaitHistogram {
    fn default() -> WaitHistogram {
        WaitHistogram {
            zero: 0,
            over: 0,
            index: [0; OCTAVES],
            chunks: Vec::new(),
            count: 0,
        }
    }
}

impl std::fmt::Debug for WaitHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitHistogram")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// Equal counts in every bin (an octave not made yet counts as empty), however
/// the bins are laid out.
impl PartialEq for WaitHistogram {
    fn eq(&self, other: &WaitHistogram) -> bool {
        const EMPTY: [u64; SUB] = [0; SUB];
        (self.zero, self.over, self.count) == (other.zero, other.over, other.count)
            && (0..OCTAVES)
                .all(|o| self.octave(o).unwrap_or(&EMPTY) == other.octave(o).unwrap_or(&EMPTY))
    }
}

impl Eq for WaitHistogram {}

/// A histogram's JSON form: the bins that hold something, in order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SparseWaits {
    zero: u64,
    over: u64,
    bins: Vec<(u16, u64)>,
}

impl Serialize for WaitHistogram {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.sparse().serialize(s)
    }
}

impl<'de> Deserialize<'de> for WaitHistogram {
    /// Refuses a bin out of range and counts that overflow (a file edited
    /// by hand, or not a histogram), naming them.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WaitHistogram, D::Error> {
        use serde::de::Error;
        let sparse = SparseWaits::deserialize(d)?;
        let overflow = || D::Error::custom("wait histogram: counts overflow");
        let mut h = WaitHistogram::default();
        h.zero = sparse.zero;
        h.over = sparse.over;
        h.count = sparse.zero.checked_add(sparse.over).ok_or_else(overflow)?;
        for (bin, n) in sparse.bins {
            let bin = usize::from(bin);
            if bin >= OCTAVES * SUB {
                return Err(D::Error::custom(format!(
                    "wait histogram: bin {bin} is not one of 0..{}",
                    OCTAVES * SUB
                )));
            }
            let cell = &mut h.chunk(bin / SUB)[bin % SUB];
            *cell = cell.checked_add(n).ok_or_else(overflow)?;
            h.count = h.count.checked_add(n).ok_or_else(overflow)?;
        }
        Ok(h)
    }
}

/// A wait histogram's counts in little memory: only the bins that hold a
/// wait, as its JSON has them (and the same JSON as a [`WaitHistogram`]'s).
/// A [`WaitHistogram`] keeps 32 bins for every octave that has seen a wait,
/// 256 bytes even for one contact, so that adding a wait is an index; a
/// report interval × type cell's few hundred waits spread over a dozen
/// octaves or more, some 4 kB a cell in a histogram where these counts take
/// a tenth of that. [`Waits`](super::Waits) keeps its cells so: a run
/// holds every replication's until it reports, hundreds of cells each.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WaitCounts {
    zero: u64,
    over: u64,
    /// The bins that hold something, ascending.
    bins: Vec<(u16, u64)>,
    count: u64,
}

impl WaitCounts {
    /// Waits counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The histogram these counts are of.
    pub fn histogram(&self) -> WaitHistogram {
        let mut h = WaitHistogram::default();
        h.merge_counts(self);
        h
    }
}

impl From<&WaitHistogram> for WaitCounts {
    fn from(h: &WaitHistogram) -> WaitCounts {
        let SparseWaits { zero, over, bins } = h.sparse();
        WaitCounts {
            zero,
            over,
            bins,
            count: h.count,
        }
    }
}

impl std::fmt::Debug for WaitCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitCounts")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl Serialize for WaitCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SparseWaits {
            zero: self.zero,
            over: self.over,
            bins: self.bins.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for WaitCounts {
    /// Read as a [`WaitHistogram`] is, with its checks (bins in range,
    /// counts that do not overflow); bins given twice or out of order come
    /// out added and in order.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WaitCounts, D::Error> {
        Ok(WaitCounts::from(&WaitHistogram::deserialize(d)?))
    }
}

/// Where a value falls.
enum Bin {
    Zero,
    Octave(usize, usize),
    Over,
}

impl WaitHistogram {
    #[inline]
    fn bin(x: f64) -> Bin {
        // One comparison, false for NaN too.
        let in_range = x >= f64::from_bits(((MIN_EXP + 1023) as u64) << 52);
        if !in_range {
            return Bin::Zero; // below 2^MIN_EXP, and NaN
        }
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1023;
        if exp >= MAX_EXP {
            return Bin::Over;
        }
        let sub = ((bits >> (52 - SUB_BITS)) as usize) & (SUB - 1);
        Bin::Octave((exp - MIN_EXP) as usize, sub)
    }

    /// The value a bin stands for: its midpoint.
    fn value(octave: usize, sub: usize) -> f64 {
        2f64.powi(octave as i32 + MIN_EXP) * (1.0 + (sub as f64 + 0.5) / SUB as f64)
    }

    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        match Self::bin(x) {
            Bin::Zero => self.zero += 1,
            Bin::Over => self.over += 1,
            Bin::Octave(o, sub) => self.chunk(o)[sub] += 1,
        }
        self.count += 1;
    }

    /// The bins of octave `o`, if made.
    fn octave(&self, o: usize) -> Option<&[u64; SUB]> {
        match self.index[o] {
            0 => None,
            i => Some(&self.chunks[i as usize - 1]),
        }
    }

    /// The bins of octave `o`, made at its first value.
    #[inline]
    fn chunk(&mut self, o: usize) -> &mut [u64; SUB] {
        if self.index[o] == 0 {
            self.make(o);
        }
        &mut self.chunks[self.index[o] as usize - 1]
    }

    /// Makes octave `o`'s bins (out of the hot path).
    #[cold]
    #[inline(never)]
    fn make(&mut self, o: usize) {
        if self.chunks.capacity() == 0
            && let Some(spare) = SPARE.with_borrow_mut(Vec::pop)
        {
            self.chunks = spare;
        }
        self.chunks.push([0; SUB]);
        // At most OCTAVES (40) chunks: the index fits a byte.
        self.index[o] = self.chunks.len() as u8;
    }

    /// Gives back bin storage beyond the octaves made: a histogram kept
    /// past its replication (in [`Waits`](super::Waits)) may hold a vector
    /// recycled from a wider one, up to 40 octaves of which it uses a few,
    /// and a run keeps hundreds of them per replication. The wide vector
    /// goes back to the thread's spares, for the next replication's rows.
    pub(crate) fn compact(&mut self) {
        if self.chunks.capacity() == self.chunks.len() {
            return;
        }
        let exact = self.chunks.to_vec();
        let mut wide = std::mem::replace(&mut self.chunks, exact);
        wide.clear();
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARE_MAX
            {
                s.push(wide);
            }
        });
    }

    /// The bins that hold something, in order.
    fn sparse(&self) -> SparseWaits {
        // A mask of each made chunk's bins that hold something (SUB = 32
        // bits), counted first: a cell's counts are kept for the whole
        // run, and a vector grown by doubling would hold up to twice their
        // room. The bins are then read off the masks' set bits, an octave
        // at a time: a report keeps hundreds of cells per replication, and
        // testing every bin of every octave twice cost three times more.
        const _: () = assert!(SUB == u32::BITS as usize);
        let mut masks = [0u32; OCTAVES];
        let mut held = 0;
        for (mask, chunk) in masks.iter_mut().zip(&self.chunks) {
            for (j, &n) in chunk.iter().enumerate() {
                *mask |= u32::from(n > 0) << j;
            }
            held += mask.count_ones() as usize;
        }
        let mut bins = Vec::with_capacity(held);
        for (o, &i) in self.index.iter().enumerate() {
            if i == 0 {
                continue;
            }
            let (chunk, mut mask) = (&self.chunks[i as usize - 1], masks[i as usize - 1]);
            while mask != 0 {
                let j = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                // OCTAVES · SUB = 1280 bins: an index fits a u16.
                bins.push(((o * SUB + j) as u16, chunk[j]));
            }
        }
        SparseWaits {
            zero: self.zero,
            over: self.over,
            bins,
        }
    }

    /// Adds `counts` to this histogram's.
    pub fn merge_counts(&mut self, counts: &WaitCounts) {
        self.zero += counts.zero;
        self.over += counts.over;
        self.count += counts.count;
        // Bins are in range: made from a histogram, or read with its checks.
        for &(bin, n) in &counts.bins {
            let bin = usize::from(bin);
            self.chunk(bin / SUB)[bin % SUB] += n;
        }
    }

    /// Adds `other`'s counts to this histogram's.
    pub fn merge(&mut self, other: &WaitHistogram) {
        self.zero += other.zero;
        self.over += other.over;
        self.count += other.count;
        for o in 0..OCTAVES {
            if let Some(theirs) = other.octave(o) {
                for (a, b) in self.chunk(o).iter_mut().zip(theirs.iter()) {
                    *a += b;
                }
            }
        }
    }

    /// The `q` quantile (`0 ≤ q ≤ 1`): the midpoint of the first bin whose
    /// cumulative count reaches `ceil(q·n)`; 0 for a wait under 1 ms, NaN
    /// when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        self.quantiles([q])[0]
    }

    /// Waits counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Several quantiles, `qs` ascending, in one pass over the bins (a report
    /// row asks for four).
    pub(crate) fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let mut out = [f64::NAN; N];
        if self.count == 0 {
            return out;
        }
        debug_assert!(qs.windows(2).all(|w| w[0] <= w[1]), "quantiles ascending");
        let ranks = qs.map(|q| ((q * self.count as f64).ceil() as u64).clamp(1, self.count));
        let mut k = 0;
        let mut cum = self.zero;
        while k < N && cum >= ranks[k] {
            out[k] = 0.0;
            k += 1;
        }
        if k == N {
            return out;
        }
        'octaves: for o in 0..OCTAVES {
            let Some(chunk) = self.octave(o) else {
                continue;
            };
            // An octave that does not reach the next rank is passed whole
            // (a vectorised sum), rather than bin by bin.
            let total: u64 = chunk.iter().sum();
            if cum + total < ranks[k] {
                cum += total;
                continue;
            }
            for (sub, &c) in chunk.iter().enumerate() {
                cum += c;
                while cum >= ranks[k] {
                    out[k] = Self::value(o, sub);
                    k += 1;
                    if k == N {
                        break 'octaves;
                    }
                }
            }
        }
        for x in &mut out[k..] {
            *x = 2f64.powi(MAX_EXP);
        }
        out
    }
}

/// An abandonment as a row counts it: the wait, and whether it was a short
/// abandon (under the contact type's `short_abandon`, which leaves it out
/// of the service level).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Abandon {
    pub wait: f64,
    pub short: bool,
}

impl Abandon {
    /// An abandonment after `wait` seconds, judged against `short_abandon`
    /// (0: none is short).
    #[inline]
    pub fn after(wait: f64, short_abandon: f64) -> Abandon {
        Abandon {
            wait,
            short: wait < short_abandon,
        }
    }
}

/// Contacts' side of a report row, streamed.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueueAcc {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// Of `abandoned`, those that left before their type's `short_abandon`.
    pub short_abandoned: u64,
    /// Answered after queueing (not offered on arrival to the agent
    /// who answered), or abandoned.
    pub waited: u64,
    /// Answered within the contact type's service-level threshold (its
    /// own target's, or its channel's).
    pub within: u64,
    /// Still waiting (or ringing) when the run stopped, already past the
    /// threshold: a miss whatever happens next, so in the service level's
    /// denominator. Those still inside the threshold are in no service
    /// level: they could go either way.
    pub late: u64,
    pub wait_answered: f64,
    pub wait_abandoned: f64,
    /// Service (at the agent's speed) plus wrap-up of answered contacts.
    pub handle: f64,
    /// Customer fit (the scenario's fit table) of answered contacts.
    pub fit: f64,
    /// Answered contacts whose ground-truth outcome is resolved.
    pub resolved: u64,
    /// Answered contacts that had an expected wait on arrival, and the sums
    /// of (expected − actual wait) and of its absolute value over them.
    pub predicted: u64,
    pub predicted_error: f64,
    pub predicted_abs_error: f64,
    /// Contacts that entered the type's self-service tier (in the row's
    /// time, by their entry), and of those the ones contained there.
    pub self_served: u64,
    pub contained: u64,
    pub hist: WaitHistogram,
}

impl QueueAcc {
    #[inline]
    pub fn answer(
        &mut self,
        wait: f64,
        queued: bool,
        within: bool,
        handle: f64,
        fit: f64,
        resolved: bool,
    ) {
        self.answered += 1;
        self.resolved += u64::from(resolved);
        self.fit += fit;
        self.waited += u64::from(queued);
        self.within += u64::from(within);
        self.wait_answered += wait;
        self.handle += handle;
        self.hist.add(wait);
    }

    /// An answered contact had been told to expect `predicted` seconds.
    #[inline]
    pub fn predicted(&mut self, predicted: f64, wait: f64) {
        self.predicted += 1;
        self.predicted_error += predicted - wait;
        self.predicted_abs_error += (predicted - wait).abs();
    }

    #[inline]
    pub fn abandon(&mut self, a: Abandon) {
        self.abandoned += 1;
        self.short_abandoned += u64::from(a.short);
        self.waited += 1;
        self.wait_abandoned += a.wait;
    }

    /// The row that the same answers alone would have made: this row
    /// without its offers and abandonments (an abandonment counts in
    /// `waited` too). Its fields are the same sums in the same order as
    /// a row fed only this row's `answer` and `predicted` calls.
    pub fn answers_only(&self) -> QueueAcc {
        QueueAcc {
            offered: 0,
            abandoned: 0,
            short_abandoned: 0,
            late: 0,
            self_served: 0,
            contained: 0,
            waited: self.waited - self.abandoned,
            wait_abandoned: 0.0,
            ..self.clone()
        }
    }

    pub fn merge(&mut self, o: &QueueAcc) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.waited += o.waited;
        self.within += o.within;
        self.late += o.late;
        self.wait_answered += o.wait_answered;
        self.wait_abandoned += o.wait_abandoned;
        self.handle += o.handle;
        self.fit += o.fit;
        self.resolved += o.resolved;
        self.predicted += o.predicted;
        self.predicted_error += o.predicted_error;
        self.predicted_abs_error += o.predicted_abs_error;
        self.self_served += o.self_served;
        self.contained += o.contained;
        self.hist.merge(&o.hist);
    }
}

/// Agents' side of a report row: agent-seconds, integrated as states change.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StaffAcc {
    /// Logged in.
    pub staffed: f64,
    /// Logged in and holding at least one contact (offered, in service, wrap-up).
    pub busy: f64,
    /// Ready (on shift) and holding nothing.
    pub idle: f64,
    /// Contacts held × time.
    pub slots: f64,
    /// Total capacity × time logged in.
    pub capacity: f64,
    /// In a not-ready pause after an unanswered offer (RONA), holding
    /// other contacts or not.
    pub not_ready: f64,
}

impl StaffAcc {
    pub fn merge(&mut self, o: &StaffAcc) {
        self.staffed += o.staffed;
        self.busy += o.busy;
        self.idle += o.idle;
        self.slots += o.slots;
        self.capacity += o.capacity;
        self.not_ready += o.not_ready;
    }
}

/// Serialisation of one metric value: `f64` (NaN, "undefined", as `null`)
/// or an [`Estimate`].
pub trait MetricValue: Sized {
    /// Writes the value.
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the value.
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    /// The value of a metric the run does not define (NaN; an estimate of
    /// no replication): what a file written before the metric existed reads as.
    fn undefined() -> Self;
    /// Whether this is such a value.
    fn is_undefined(&self) -> bool;
}

impl MetricValue for f64 {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        nan_null::serialize(self, s)
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        nan_null::deserialize(d)
    }
    fn undefined() -> Self {
        f64::NAN
    }
    fn is_undefined(&self) -> bool {
        self.is_nan()
    }
}

impl MetricValue for Estimate {
    fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
    fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Estimate::deserialize(d)
    }
    fn undefined() -> Self {
        Estimate {
            mean: f64::NAN,
            half_width: f64::NAN,
            n: 0,
        }
    }
    fn is_undefined(&self) -> bool {
        self.n == 0 && self.mean.is_nan()
    }
}

fn ser_metric<T: MetricValue, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    v.ser(s)
}

fn de_metric<'de, T: MetricValue, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::de(d)
}

/// `f64` with NaN written as `null` and read back from it.
pub mod nan_null {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes NaN and infinities as `null`.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    /// Reads `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

macro_rules! metric_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(bound = "T: MetricValue")]
        pub struct $name<T> {
            $(
                $(#[$fm])*
                #[serde(serialize_with = "ser_metric", deserialize_with = "de_metric")]
                pub $f: T,
            )*
        }

        impl<T> $name<T> {
            /// The metrics' names, in field order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($f)),*];

            /// The values, in field order.
            pub fn values(&self) -> impl Iterator<Item = &T> {
                [$(&self.$f),*].into_iter()
            }

            /// Builds a value from its fields' indexes (in field order).
            #[allow(unused_assignments)]
            pub fn from_fn(mut f: impl FnMut(usize) -> T) -> Self {
                let mut i = 0;
                $name {
                    $($f: {
                        let v = f(i);
                        i += 1;
                        v
                    },)*
                }
            }
        }

        impl $name<f64> {
            /// Each metric of `self` minus the same metric of `base` (NaN
            /// where either is undefined): with [`estimate`](Self::estimate)
            /// over replications, the paired difference of two runs on the
            /// same customers.
            pub fn minus(&self, base: &$name<f64>) -> $name<f64> {
                $name {
                    $($f: self.$f - base.$f,)*
                }
            }

            /// Mean and confidence interval of each metric over replications.
            pub fn estimate(reps: &[&$name<f64>], confidence: f64) -> $name<Estimate> {
                let mut xs = Vec::with_capacity(reps.len());
                $name::from_fn(|i| {
                    xs.clear();
                    xs.extend(reps.iter().map(|r| *r.values().nth(i).expect("same fields")));
                    Estimate::from_samples(&xs, confidence)
                })
            }
        }
    };
}

metric_struct! {
    /// Waiting and service statistics of one report row (a contact type,
    /// channel, segment, agent group, interval, or everything). Contacts are
    /// those arriving after the warm-up (in the row's interval for an interval
    /// row; answered by the row's agents for a group row). A ratio with a zero
    /// denominator is NaN (`null` in JSON). Agent metrics are NaN for rows
    /// without agents (types, channels, segments).
    ///
    /// A group row (and an interval × group cell) counts only the contacts
    /// the group answered: `offered` equals `answered`, nothing abandons,
    /// and its service level, P(wait) and ASA are those of its answered
    /// contacts (a contact that abandoned, or still waits, belongs to no
    /// group).
    ///
    /// In a [`Replication`](super::Replication) each figure is that
    /// replication's own. In a [`Report`](super::Report) each is an
    /// [`Estimate`]: the mean over replications of their own values, with a
    /// Student-t interval (`n − 1` degrees of freedom, `n` the replications
    /// that define the figure) — the independent-replications estimator,
    /// the wait percentiles aside (pooled; see `wait_p99`). For a ratio
    /// (service level, ASA, mean wait, P(wait), abandonment, handle time,
    /// occupancy, utilisation…) this is the mean of the replications'
    /// ratios, not the ratio of the totals over all replications. In a
    /// whole-day row, with many contacts per replication, the two agree
    /// closely; in a cell with few contacts per replication (an interval ×
    /// type) they can differ by more than the interval's half-width, and
    /// the interval is about the mean per-replication ratio.
    /// For the ratio of totals, weight each replication's ratio by its
    /// denominator: the counts are in each row (`answered`, `abandoned`,
    /// `short_abandoned`, `late_at_end`, `offered`; a report's count ×
    /// `replications` is the total), e.g. Σ service_level × (answered +
    /// abandoned − short_abandoned + late_at_end) over the Σ of the same
    /// (`short_abandoned` counting 0 where undefined).
    Metrics {
        /// Contacts that arrived.
        offered,
        /// Contacts answered (service started).
        answered,
        /// Contacts that abandoned (waiting or while the offer rang), all
        /// of them: short abandons included.
        abandoned,
        /// Of `abandoned`, those that left after waiting less than their
        /// type's `short_abandon` (its service-level target's, or its
        /// channel's): left out of `service_level`, though still in
        /// `abandoned`, `p_abandon`, `p_wait` and `mean_wait`. Undefined
        /// (absent from the JSON and the CSV files, so that their bytes are
        /// those of a run before it existed) when no target of the
        /// scenario sets `short_abandon`; a report written before it reads
        /// as undefined.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        short_abandoned,
        /// Contacts still waiting at the end (`offered − answered − abandoned`).
        waiting_at_end,
        /// Of those, the ones already past their service-level threshold
        /// when the run stopped: misses in `service_level`.
        late_at_end,
        /// Answered within the threshold of each contact's own type (its
        /// `service_level`, or its channel's; by the instant arrival +
        /// threshold) / (answered + abandoned − short abandons + still
        /// waiting at the end past the threshold): a short abandon (see
        /// `short_abandoned`) is neither a hit nor a miss. A contact still waiting (or ringing) when
        /// the run stopped, already past its threshold, is a miss whatever
        /// would have happened next, as a draining run would have counted
        /// it; one still inside its threshold is in no service level.
        service_level,
        /// Average speed of answer: mean wait of answered contacts (s).
        asa,
        /// Mean wait of answered and abandoned contacts (s).
        mean_wait,
        /// Share of answered + abandoned that waited in queue: not offered
        /// the moment they arrived (or put back in the queue by an offer
        /// declined or timed out), or abandoned. Without ringing this is
        /// "wait > 0"; with ringing, the ring of the offer answered makes
        /// every wait positive but is not queueing (it is in `asa`).
        p_wait,
        /// Abandoned / (answered + abandoned).
        p_abandon,
        /// Median wait of answered contacts (s; from a histogram, ±1.6%).
        wait_p50,
        /// 90th percentile wait of answered contacts (s).
        wait_p90,
        /// 95th percentile wait of answered contacts (s).
        wait_p95,
        /// 99th percentile wait of answered contacts (s). In a
        /// [`Replication`](super::Replication), the replication's own. In a
        /// report's rows and cells (total, type, channel, segment, group,
        /// interval, and interval × type, × group and × channel), the
        /// percentile of all replications' contacts pooled, with the
        /// interval of the replications' own around it (sectioning): a mean
        /// of the replications' own would read below the long-run
        /// percentile for short replications, whose p99 rests on their few
        /// longest waits (about 5% below with 8-hour M/M/10 replications,
        /// 11% with 200-contact ones, about half in a cell of a 1000 s
        /// interval), and more replications would not cure it. Only
        /// replications written before their waits were kept
        /// ([`Replication::waits`](super::Replication::waits) `None`, or
        /// [`Waits`](super::Waits) without the cells) give means of the
        /// replications' own. A comparison's difference is the difference
        /// of the two policies' pooled percentiles, with the paired
        /// interval ([`Comparison`](super::Comparison)).
        wait_p99,
        /// Mean handle time (service at the agent's speed + wrap-up) of answered contacts (s).
        handle_time,
        /// Mean customer fit of answered contacts: the scenario's `fit`
        /// value for the contact's segment and the answering agent's group
        /// (NaN if the scenario has no fit table).
        mean_fit,
        /// Resolved / answered: the share of answered contacts whose
        /// ground-truth outcome (the scenario's `outcomes`, which the
        /// router never sees) is resolved (NaN if the scenario has none).
        resolution,
        /// Answered contacts that were told an expected wait on arrival
        /// (with the scenario's `expected_wait`; NaN without): those left
        /// waiting when they arrived, of a kind the router had seen
        /// answered after waiting ([`Router::expected_wait`](crate::Router::expected_wait)).
        ewt_count,
        /// Mean of (expected − actual wait) over them (s): positive when
        /// the announcements overstate the wait.
        ewt_bias,
        /// Mean absolute difference of expected and actual wait over them (s).
        ewt_mae,
        /// Mean number of agents logged in over the row's time.
        agents,
        /// Busy time / (busy + ready idle time) of the row's agents
        /// (holding an offer that rings counts as busy).
        occupancy,
        /// Contacts held / capacity, time-averaged while logged in (differs
        /// from occupancy for agents who hold several chats).
        utilisation,
        /// Share of the row's agents' logged-in time spent in a not-ready
        /// pause after letting an offer time out (the scenario's
        /// `offers.rona_pause`; NaN without it). A pause spent holding other
        /// contacts (chats) counts here and as busy. Occupancy leaves the
        /// pause time without work out of its denominator, so a pause can
        /// raise it: read the two together.
        not_ready,
        /// Contacts that entered a self-service tier (a contact type's
        /// `self_service`: a bot or an IVR in front of the queue), counted
        /// by the instant they entered it (after the warm-up, in the row's
        /// interval). Those it did not contain reach the queue after their
        /// time there and count in `offered` from then (by that instant:
        /// one that entered in one interval may be offered in the next, or
        /// after the run stopped). Undefined (absent from the JSON and the
        /// CSV files, so that their bytes are those of a run before it
        /// existed) when no contact type has a self-service tier, and for
        /// agent-group rows.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        self_served,
        /// Of `self_served`, those the tier resolved on its own: they never
        /// reach the queue. Undefined where `self_served` is.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        contained,
        /// `contained / self_served`: the tier's containment rate. Undefined
        /// where `self_served` is (and NaN, `null`, in a row where no
        /// contact entered it).
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        containment,
        /// Items created in a contact type's dialer (its `dialer`:
        /// outbound work) over the whole run, warm-up included: its
        /// campaign backlog and its arrivals. Defined only in the rows of
        /// a type with a dialer (absent from the JSON and the CSV files
        /// elsewhere, and in a scenario without one). Such a type's
        /// `offered` counts its items released after the warm-up, and its
        /// waits (`asa`, `mean_wait`, the percentiles) are their ages, from
        /// creation to answer.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        dialer_created,
        /// Of `dialer_created`, those the dialer released to the router
        /// (over the whole run). Undefined where `dialer_created` is.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        dialer_released,
        /// Items still in the dialer when the run stopped (never released).
        /// Undefined where `dialer_created` is.
        #[serde(
            default = "MetricValue::undefined",
            skip_serializing_if = "MetricValue::is_undefined"
        )]
        in_dialer_at_end,
    }
}

impl<T: MetricValue> Metrics<T> {
    /// The metrics written only where defined (see each one's docs): a
    /// scenario that does not use what they measure writes the bytes it
    /// wrote before they existed.
    pub const OPTIONAL: &'static [&'static str] = &[
        "short_abandoned",
        "self_served",
        "contained",
        "containment",
        "dialer_created",
        "dialer_released",
        "in_dialer_at_end",
    ];

    /// The metrics' names and values as a report's files write them: all of
    /// them in field order, but for those of [`OPTIONAL`](Self::OPTIONAL)
    /// where they are undefined (left out, as the JSON leaves them out).
    pub fn written(&self) -> impl Iterator<Item = (&'static str, &T)> {
        Self::NAMES
            .iter()
            .copied()
            .zip(self.values())
            .filter(|(name, v)| !(v.is_undefined() && Self::OPTIONAL.contains(name)))
    }
}

metric_struct! {
    /// How evenly work and idle time are spread over agents (those logged in
    /// for some time after the warm-up), in one replication: the agents are
    /// the whole population, so the standard deviations divide by their
    /// number. A report gives the mean of the replications' figures with a
    /// Student-t interval, as for [`Metrics`].
    Fairness {
        /// Agents counted.
        agents,
        /// Mean of agents' occupancy (busy / (busy + idle)).
        occupancy_mean,
        /// Standard deviation of agents' occupancy (the population's:
        /// divided by the number of agents, not that less one).
        occupancy_sd,
        /// Lowest agent occupancy.
        occupancy_min,
        /// Highest agent occupancy.
        occupancy_max,
        /// Mean idle (ready, holding nothing) seconds per agent.
        idle_mean,
        /// Standard deviation of idle seconds over agents (divided by the
        /// number of agents).
        idle_sd,
        /// Mean contacts answered per agent.
        answered_mean,
        /// Standard deviation of contacts answered per agent (divided by the
        /// number of agents).
        answered_sd,
    }
}

/// A mean over replications with a two-sided confidence interval
/// (Student's t with `n − 1` degrees of freedom). Replications where the
/// metric is undefined (NaN) are left out; `n` says how many count. The
/// interval assumes the replications' values roughly normal and their mean
/// unbiased. Measured against Erlang C and A (`examples/ci_coverage.rs`:
/// 10 replications of 8 hours, 30 minutes of them warm-up, of an M/M/10 at
/// 80% load, an M/M/100 at 95%, and both with abandonment at 100–105%),
/// 95% intervals for P(wait), service level and P(abandon) contain the
/// truth 94–96% of the time, but the ASA's only 86–88%, nearly every miss
/// below it: a replication's ASA is skewed, and its mean is 2–5% low (under 2%
/// for P(wait)), a bias that shrinks with the replication's length
/// (starting empty, the contacts still waiting at the end left out, a mean
/// of ratios). Longer replications bring the coverage back (ASA 91–93% at
/// 30 hours); more do not, as they narrow the interval around the same
/// bias (with 40, P(wait) covers only 91–93%).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The mean (NaN, `null` in JSON, if no replication defines the metric).
    #[serde(with = "nan_null")]
    pub mean: f64,
    /// Half the interval's width (NaN if fewer than two replications).
    #[serde(with = "nan_null")]
    pub half_width: f64,
    /// Replications that define the metric.
    pub n: u32,
}

impl Estimate {
    /// Mean and `confidence` interval (e.g. 0.95) of the finite `samples`.
    /// Two or more of them always give a finite half-width, however far
    /// apart (2e302 and 3e302), unless the width itself is past `f64::MAX`.
    pub fn from_samples(samples: &[f64], confidence: f64) -> Estimate {
        let mut finite = samples.iter().copied().filter(|x| x.is_finite());
        let Some(shift) = finite.next() else {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
                n: 0,
            };
        };
        // Summed as offsets from the first sample: samples that all agree
        // (a count fixed by the scenario, a paired difference that is the
        // same in every replication) have exactly that mean and a
        // half-width of exactly 0, where the plain sum's rounding put the
        // mean a bit off and the interval 1e-14 wide; any other samples
        // give the same figures to rounding, with less cancellation.
        let (mut n, mut offsets) = (1u32, 0.0);
        for x in finite {
            n += 1;
            offsets += x - shift;
        }
        let mut mean = shift + offsets / n as f64;
        if !mean.is_finite() {
            // Offsets of opposite extremes (±1e308) overflow where the mean
            // itself does not: each sample's share, summed, cannot.
            mean = samples
                .iter()
                .filter(|x| x.is_finite())
                .map(|x| x / n as f64)
                .sum();
        }
        if n < 2 {
            return Estimate {
                mean,
                half_width: f64::NAN,
                n,
            };
        }
        let ss: f64 = samples
            .iter()
            .filter(|x| x.is_finite())
            .map(|x| (x - mean).powi(2))
            .sum();
        let sd = if ss.is_finite() {
            (ss / (n - 1) as f64).sqrt()
        } else {
            // Squares of deviations past 1e154 overflow though the spread
            // is finite: summed as fractions of the largest deviation, and
            // scaled back after the root. Only here, so that ordinary
            // samples keep their half-widths to the last bit. Halved first,
            // as a deviation of samples near ±f64::MAX can itself overflow.
            let dev = |x: &f64| x / 2.0 - mean / 2.0;
            let finite = || samples.iter().filter(|x| x.is_finite());
            let largest = finite().map(|x| dev(x).abs()).fold(0.0, f64::max);
            let scaled: f64 = finite().map(|x| (dev(x) / largest).powi(2)).sum();
            (scaled / (n - 1) as f64).sqrt() * largest * 2.0
        };
        let half_width = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1) * sd / (n as f64).sqrt();
        Estimate {
            mean,
            half_width,
            n,
        }
    }

    /// Lower end of the interval.
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    /// Upper end of the interval.
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether `x` is inside the interval (ends included).
    pub fn contains(&self, x: f64) -> bool {
        self.low() <= x && x <= self.high()
    }
}

/// The `p` quantile of Student's t with `dof` degrees of freedom (statrs).
pub fn t_quantile(p: f64, dof: u32) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, dof as f64) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_a_bin() {
        let mut h = WaitHistogram::default();
        for i in 0..10_000 {
            h.add(i as f64 * 0.01); // uniform on [0, 100)
        }
        h.add(0.0);
        for q in [0.5, 0.9, 0.99] {
            let x = h.quantile(q);
            let truth = q * 100.0;
            assert!((x - truth).abs() / truth < 0.025, "q={q}: {x} vs {truth}");
        }
        let mut z = WaitHistogram::default();
        z.add(0.0);
        z.add(0.0);
        z.add(5.0);
        assert_eq!(z.quantile(0.5), 0.0);
        assert!((z.quantile(1.0) - 5.0).abs() / 5.0 <= 1.0 / 64.0);
        assert!(WaitHistogram::default().quantile(0.5).is_nan());
        let mut big = WaitHistogram::default();
        big.add(1e12);
        assert_eq!(big.quantile(0.5), 2f64.powi(30));
        // Bins exist only once a value has come; merging handles either side empty.
        let mut empty = WaitHistogram::default();
        assert!(empty.chunks.is_empty());
        empty.merge(&WaitHistogram::default());
        assert!(empty.chunks.is_empty() && empty.quantile(0.5).is_nan());
        empty.merge(&z);
        assert_eq!(empty, z);
        z.merge(&WaitHistogram::default());
        assert_eq!(z.count, 3);
    }

    /// A histogram made after others were dropped on the thread takes their
    /// storage, and none of their counts.
    #[test]
    fn recycled_bins_start_empty() {
        for _ in 0..3 {
            let mut old = WaitHistogram::default();
            for i in 1..2_000 {
                old.add(i as f64 * 0.37);
            }
            drop(old);
            let mut h = WaitHistogram::default();
            h.add(1.0);
            // `old` spanned 12 octaves; a new vector would hold 4.
            assert!(h.chunks.capacity() >= 12, "took the spare vector");
            assert_eq!(h.chunks.len(), 1);
            let mut fresh = WaitHistogram::default();
            fresh.add(1.0);
            assert_eq!(h, fresh);
            assert_eq!(h.quantiles([0.0, 1.0]), [h.quantile(0.5); 2]);
            assert!(h.chunks.iter().flatten().sum::<u64>() == 1);
        }
    }

    /// Each quantile is the midpoint of the bin that holds the ceil(q·n)-th
    /// smallest value, found here by sorting; merged halves give the same.
    #[test]
    fn histogram_quantiles_match_sorting() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let mut xs: Vec<f64> = (0..5_000)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => 1e-4,
                2 => 1e10,
                _ => 2f64.powf(rng.random_range(-12.0..32.0)),
            })
            .collect();
        let (mut whole, mut a, mut b) = (
            WaitHistogram::default(),
            WaitHistogram::default(),
            WaitHistogram::default(),
        );
        for (i, &x) in xs.iter().enumerate() {
            whole.add(x);
            if i % 2 == 0 { a.add(x) } else { b.add(x) }
        }
        a.merge(&b);
        xs.sort_by(f64::total_cmp);
        let qs = [0.01, 0.2, 0.5, 0.63, 0.9, 0.99, 1.0];
        let together = whole.quantiles(qs);
        for (k, q) in qs.into_iter().enumerate() {
            let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
            let want = match WaitHistogram::bin(xs[rank - 1]) {
                Bin::Zero => 0.0,
                Bin::Over => 2f64.powi(MAX_EXP),
                Bin::Octave(o, sub) => WaitHistogram::value(o, sub),
            };
            assert_eq!(whole.quantile(q), want, "q = {q}");
            assert_eq!(a.quantile(q), want, "merged, q = {q}");
            assert_eq!(together[k], want, "in one pass, q = {q}");
        }
    }

    /// JSON keeps every count (a histogram read back is equal, and writes
    /// the same bytes); a bin out of range or a count that overflows is
    /// refused, named.
    #[test]
    fn histogram_json_round_trips_and_is_checked() {
        let mut h = WaitHistogram::default();
        for x in [0.0, 0.0, 1e-4, 0.3, 0.31, 7.0, 7.0, 1e12, f64::NAN] {
            h.add(x);
        }
        let js = serde_json::to_string(&h).unwrap();
        // 0, 1e-4 and NaN under 1 ms; 0.3 and 0.31 share no bin; 1e12 over.
        assert!(js.starts_with(r#"{"zero":4,"over":1,"bins":[["#), "{js}");
        let back: WaitHistogram = serde_json::from_str(&js).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.count(), 9);
        assert_eq!(serde_json::to_string(&back).unwrap(), js);
        assert_eq!(back.quantiles([0.5, 0.99]), h.quantiles([0.5, 0.99]));
        let empty = serde_json::to_string(&WaitHistogram::default()).unwrap();
        assert_eq!(empty, r#"{"zero":0,"over":0,"bins":[]}"#);
        let bad = serde_json::from_str::<WaitHistogram>(r#"{"zero":0,"over":0,"bins":[[1280,1]]}"#);
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("bin 1280 is not one of 0..1280")
        );
        let huge = format!(r#"{{"zero":{},"over":1,"bins":[]}}"#, u64::MAX);
        let err = serde_json::from_str::<WaitHistogram>(&huge).unwrap_err();
        assert!(err.to_string().contains("overflow"), "{err}");
        let unknown =
            serde_json::from_str::<WaitHistogram>(r#"{"zero":0,"over":0,"bins":[],"n":1}"#);
        assert!(unknown.is_err());
    }

    /// A histogram's compact counts write the same JSON, read back equal,
    /// and add to a histogram as the histogram itself does; a kept
    /// histogram gives its wide bin vector back and keeps its counts.
    #[test]
    fn wait_counts_are_the_histograms() {
        let mut h = WaitHistogram::default();
        for x in [0.0, 1e-4, 0.3, 0.31, 7.0, 7.0, 900.0, 1e12] {
            h.add(x);
        }
        let c = WaitCounts::from(&h);
        assert_eq!(c.count(), h.count());
        let js = serde_json::to_string(&c).unwrap();
        assert_eq!(js, serde_json::to_string(&h).unwrap());
        assert_eq!(serde_json::from_str::<WaitCounts>(&js).unwrap(), c);
        assert_eq!(c.histogram(), h);
        let (mut a, mut b) = (h.clone(), h.clone());
        a.merge(&h);
        b.merge_counts(&c);
        assert_eq!(a, b);
        assert_eq!(b.count(), 16);
        // Read with the histogram's checks; bins given twice come out added.
        let bad = r#"{"zero":0,"over":0,"bins":[[1280,1]]}"#;
        assert!(serde_json::from_str::<WaitCounts>(bad).is_err());
        let twice = r#"{"zero":1,"over":0,"bins":[[300,2],[7,1],[300,1]]}"#;
        let t: WaitCounts = serde_json::from_str(twice).unwrap();
        assert_eq!(t.count(), 5);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"zero":1,"over":0,"bins":[[7,1],[300,3]]}"#
        );
        let mut wide = WaitHistogram::default();
        for i in 0..40 {
            wide.chunk(i);
        }
        drop(wide);
        let mut kept = WaitHistogram::default();
        kept.add(1.0);
        assert!(kept.chunks.capacity() >= 40, "took the spare vector");
        let before = kept.clone();
        kept.compact();
        assert_eq!(kept.chunks.capacity(), 1);
        assert_eq!(kept, before);
    }

    #[test]
    fn estimate_matches_a_hand_computation() {
        // mean 2, sd 1, n = 3: t_{0.975, 2} = 4.302653
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0, f64::NAN], 0.95);
        assert_eq!(e.n, 3);
        assert!((e.mean - 2.0).abs() < 1e-12);
        assert!((e.half_width - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        assert!(Estimate::from_samples(&[], 0.95).mean.is_nan());
        let js = serde_json::to_string(&Estimate::from_samples(&[1.0], 0.95)).unwrap();
        assert_eq!(js, r#"{"mean":1.0,"half_width":null,"n":1}"#);
        let back: Estimate = serde_json::from_str(&js).unwrap();
        assert!(back.half_width.is_nan());
    }

    /// Samples that all agree have their value as the mean and a
    /// half-width of exactly 0 (it was ~4.5e-14, and the mean a bit off,
    /// wherever the sum rounded); other samples keep the textbook figures.
    #[test]
    fn agreeing_samples_have_no_width() {
        for x in [0.1, 1.0 / 3.0, -2.7, 1e-9, 0.7, 123_456.789, 0.0] {
            for n in [2, 3, 7, 10, 20, 49] {
                let mut xs = vec![x; n];
                xs.push(f64::NAN);
                let e = Estimate::from_samples(&xs, 0.95);
                assert_eq!((e.mean, e.half_width, e.n), (x, 0.0, n as u32), "{n} × {x}");
            }
        }
        // Not all alike: the plain two-pass figures, to rounding.
        let xs: Vec<f64> = (0..37)
            .map(|i| 1e6 + ((i * 7919) % 101) as f64 / 3.0)
            .collect();
        let mean = xs.iter().sum::<f64>() / 37.0;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 36.0).sqrt();
        let e = Estimate::from_samples(&xs, 0.9);
        assert!((e.mean - mean).abs() <= 1e-15 * mean);
        let hw = t_quantile(0.95, 36) * sd / 37f64.sqrt();
        assert!(
            (e.half_width - hw).abs() <= 1e-9 * hw,
            "{} vs {hw}",
            e.half_width
        );
    }

    #[test]
    fn metrics_round_trip_with_nan() {
        let m = Metrics::from_fn(|i| if i == 7 { f64::NAN } else { i as f64 });
        let js = serde_json::to_string(&m).unwrap();
        assert!(js.contains("\"asa\":null"));
        let back: Metrics<f64> = serde_json::from_str(&js).unwrap();
        assert!(back.asa.is_nan());
        assert_eq!(back.offered, 0.0);
        assert_eq!(Metrics::<f64>::NAMES[7], "asa");
    }

    /// `short_abandoned` is written only where defined, so that a run
    /// without short abandons writes the JSON it wrote before the metric
    /// existed; that JSON reads back with it undefined. Every other
    /// undefined metric is still written, as `null`.
    #[test]
    fn short_abandoned_is_written_only_where_defined() {
        let mut m = Metrics::from_fn(|i| i as f64);
        assert_eq!(Metrics::<f64>::NAMES[3], "short_abandoned");
        let js = serde_json::to_string(&m).unwrap();
        assert!(js.contains(r#""abandoned":2.0,"short_abandoned":3.0,"waiting_at_end""#));
        assert_eq!(m.written().count(), Metrics::<f64>::NAMES.len());
        m.short_abandoned = f64::NAN;
        m.asa = f64::NAN;
        let js = serde_json::to_string(&m).unwrap();
        assert!(js.contains(r#""abandoned":2.0,"waiting_at_end""#), "{js}");
        assert!(js.contains(r#""asa":null"#));
        let back: Metrics<f64> = serde_json::from_str(&js).unwrap();
        assert!(back.short_abandoned.is_nan() && back.asa.is_nan());
        let names: Vec<&str> = m.written().map(|(n, _)| n).collect();
        assert!(!names.contains(&"short_abandoned") && names.contains(&"asa"));
        assert_eq!(names.len(), Metrics::<f64>::NAMES.len() - 1);
        // Estimates alike: undefined is no replication.
        let e = Metrics::estimate(&[&m, &m], 0.95);
        let js = serde_json::to_string(&e).unwrap();
        assert!(!js.contains("short_abandoned") && js.contains(r#""asa":{"mean":null"#));
        let back: Metrics<Estimate> = serde_json::from_str(&js).unwrap();
        assert!(back.short_abandoned.is_undefined());
        assert_eq!(serde_json::to_string(&back).unwrap(), js);
    }
}
