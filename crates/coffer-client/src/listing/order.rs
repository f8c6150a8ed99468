//! The pure part of listing: which id ranges to list at once, which items of a page belong to
//! a range, how a page is cut for the cores, and the final order by name.

use crate::entry::Entry;
use crate::error::{ClientError, Result};
use crate::verify::VerifiedNode;
use coffer_api::{Id, Node};

/// Below this many entries one thread verifies a page alone (threads cost more than they save;
/// a batch of signatures also gets cheaper per signature as it grows).
const ENTRIES_PER_THREAD: usize = 256;

/// What a listing keeps of each child, and what it is sorted and checked by.
pub(super) trait Listed: Send + 'static {
    fn name(&self) -> &str;
    fn path(&self) -> String;
}

impl Listed for VerifiedNode {
    fn name(&self) -> &str {
        &self.attrs.name
    }
    fn path(&self) -> String {
        self.path.to_string()
    }
}

impl Listed for Entry {
    fn name(&self) -> &str {
        &self.name
    }
    fn path(&self) -> String {
        self.path.to_string()
    }
}

/// `n` ranges `(after, upto]` of equal width that cover every id above `start`.
pub(super) fn id_ranges(start: Id, n: usize) -> Vec<(Id, Option<Id>)> {
    let n = n.max(1);
    let start = u128::from_be_bytes(start.0);
    let width = (u128::MAX - start) / n as u128;
    let bound = |i: usize| Id((start + width * i as u128).to_be_bytes());
    (0..n)
        .map(|i| (bound(i), (i + 1 < n).then(|| bound(i + 1))))
        .collect()
}

/// The items of a page that belong to a range ending at `upto`, and whether the page went past
/// it (the range is then complete: pages come in id order).
pub(super) fn clip(mut items: Vec<Node>, upto: Option<Id>) -> (Vec<Node>, bool) {
    let Some(upto) = upto else {
        return (items, false);
    };
    let before = items.len();
    items.retain(|n| n.id <= upto);
    let past = items.len() < before;
    (items, past)
}

/// `nodes` in up to `threads` slices of at least [`ENTRIES_PER_THREAD`] (one if fewer).
pub(super) fn split<T>(mut nodes: Vec<T>, threads: usize) -> Vec<Vec<T>> {
    let threads = threads.min(nodes.len() / ENTRIES_PER_THREAD).max(1);
    let per_thread = nodes.len().div_ceil(threads).max(1);
    let mut slices = Vec::with_capacity(threads);
    while nodes.len() > per_thread {
        let tail = nodes.split_off(per_thread);
        slices.push(std::mem::replace(&mut nodes, tail));
    }
    slices.push(nodes);
    slices
}

/// The entry of a verified node, moving its strings rather than copying them.
pub(super) fn into_entry(node: VerifiedNode) -> Entry {
    Entry {
        name: node.attrs.name,
        kind: node.node.kind,
        size: node.attrs.size,
        mtime: node.attrs.mtime,
        media_type: node.attrs.media_type,
        blake3: node.attrs.blake3,
        id: node.node.id,
        revision: node.node.revision,
        path: node.path,
    }
}

/// `items` sorted by the bytes of their names; an integrity error if a name appears twice.
///
/// Sorts small keys — the first 8 bytes of the name and the item's index — rather than the
/// items: they are a couple of hundred bytes, and comparing names through them misses the cache
/// on most comparisons (100,000 entries: about 20 ms instead of 60–100).
pub(super) fn sorted_by_name<T: Listed>(mut items: Vec<T>) -> Result<Vec<T>> {
    let mut order: Vec<(u64, usize)> = (items.iter().enumerate())
        .map(|(i, item)| (prefix(item.name().as_bytes()), i))
        .collect();
    let by_name = |a: &(u64, usize), b: &(u64, usize)| {
        (a.0.cmp(&b.0)).then_with(|| {
            items[a.1]
                .name()
                .as_bytes()
                .cmp(items[b.1].name().as_bytes())
        })
    };
    order.sort_unstable_by(by_name);
    if let Some(pair) = order.windows(2).find(|w| by_name(&w[0], &w[1]).is_eq()) {
        return Err(ClientError::integrity(
            items[pair[1].1].path(),
            "the server listed this name twice",
        ));
    }
    // Each item moved once into place by swaps along the permutation's cycles (as
    // `slice::sort_by_cached_key` does).
    for i in 0..order.len() {
        let mut from = order[i].1;
        while from < i {
            from = order[from].1;
        }
        order[i].1 = from;
        items.swap(i, from);
    }
    Ok(items)
}

/// The first 8 bytes of `name`, zero-padded, as a big-endian number: ordered as the names are
/// wherever two prefixes differ.
fn prefix(name: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    let n = name.len().min(8);
    first[..n].copy_from_slice(&name[..n]);
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::DrivePath;

    #[test]
    fn slices_cover_every_entry_in_order() {
        for (len, threads, expected) in [
            (0, 2, vec![0]),
            (10, 2, vec![10]),
            (511, 2, vec![511]),
            (512, 2, vec![256, 256]),
            (5000, 2, vec![2500, 2500]),
            (5001, 2, vec![2501, 2500]),
            (5000, 3, vec![1667, 1667, 1666]),
            (5000, 1, vec![5000]),
        ] {
            let slices = split((0..len).collect::<Vec<usize>>(), threads);
            let lens: Vec<usize> = slices.iter().map(Vec::len).collect();
            assert_eq!(lens, expected, "{len} entries over {threads} threads");
            let joined: Vec<usize> = slices.into_iter().flatten().collect();
            assert_eq!(joined, (0..len).collect::<Vec<_>>());
        }
    }

    fn id(n: u128) -> Id {
        Id(n.to_be_bytes())
    }

    #[test]
    fn id_ranges_cover_everything_above_the_start_once() {
        for (start, n) in [
            (0, 1),
            (0, 2),
            (12345, 3),
            (u128::MAX - 5, 4),
            (u128::MAX, 2),
        ] {
            let ranges = id_ranges(id(start), n);
            assert_eq!(ranges.len(), n);
            assert_eq!(
                ranges[0].0,
                id(start),
                "the first range starts after `start`"
            );
            assert_eq!(ranges[n - 1].1, None, "the last range has no upper bound");
            for w in ranges.windows(2) {
                assert_eq!(w[0].1, Some(w[1].0), "contiguous, no overlap: {start} {n}");
                assert!(w[0].0 <= w[1].0);
            }
        }
        let halves = id_ranges(Id::ZERO, 2);
        assert_eq!(halves[0].1, Some(id(u128::MAX / 2)));
        assert_eq!(id_ranges(id(7), 0), vec![(id(7), None)]);
    }

    fn node(n: u128) -> Node {
        Node {
            id: id(n),
            parent_id: Some(Id::ZERO),
            kind: coffer_api::NodeKind::Folder,
            author_key: Default::default(),
            name_tag: Default::default(),
            wrapped_key: Default::default(),
            encrypted_attributes: Default::default(),
            signature: Default::default(),
            content: None,
            revision: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn clip_keeps_the_range_and_says_when_the_page_went_past_it() {
        let page = |ids: &[u128]| ids.iter().map(|&n| node(n)).collect::<Vec<_>>();
        let ids = |nodes: &[Node]| {
            nodes
                .iter()
                .map(|n| u128::from_be_bytes(n.id.0))
                .collect::<Vec<_>>()
        };
        for (items, upto, kept, past) in [
            (vec![1, 2, 3], None, vec![1, 2, 3], false),
            (vec![1, 2, 3], Some(3), vec![1, 2, 3], false),
            (vec![1, 2, 3], Some(2), vec![1, 2], true),
            (vec![4, 5], Some(3), vec![], true),
            (vec![], Some(3), vec![], false),
        ] {
            let (got, went_past) = clip(page(&items), upto.map(id));
            assert_eq!(
                (ids(&got), went_past),
                (kept, past),
                "{items:?} up to {upto:?}"
            );
        }
    }

    fn entry(name: &str) -> Entry {
        Entry {
            path: DrivePath::parse(&format!("/d/{name}")).unwrap(),
            name: name.to_owned(),
            kind: coffer_api::NodeKind::File,
            size: None,
            mtime: None,
            media_type: None,
            blake3: None,
            id: Id::ZERO,
            revision: 1,
        }
    }

    #[test]
    fn sorted_by_the_bytes_of_names_and_duplicates_refused() {
        let names = [
            "b",
            "a",
            "B",
            "é",
            "aa",
            "z",
            "abcdefgh2",
            "abcdefgh10",
            "abcdefgh",
            "abcdefg",
        ];
        let sorted = sorted_by_name(names.iter().map(|n| entry(n)).collect()).unwrap();
        let got: Vec<&str> = sorted.iter().map(|e| e.name.as_str()).collect();
        let mut expected = names.to_vec();
        expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(got, expected);
        assert_eq!(got[..4], ["B", "a", "aa", "abcdefg"]);
        assert!(sorted_by_name(Vec::<Entry>::new()).unwrap().is_empty());
        for twice in [["x", "y", "x"], ["long name 1", "long name", "long name 1"]] {
            let e = sorted_by_name(twice.iter().map(|n| entry(n)).collect()).unwrap_err();
            let path = format!("/d/{}", twice[0]);
            assert!(matches!(e, ClientError::Integrity { path: ref p, .. } if *p == path));
        }
    }

    proptest::proptest! {
        #[test]
        fn sorted_as_the_names_bytes_are(names in proptest::collection::hash_set("[a-c]{0,10}", 0..40)) {
            let names: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
            let sorted = sorted_by_name(names.iter().map(|n| entry(n)).collect()).unwrap();
            let mut expected = names.clone();
            expected.sort();
            let got: Vec<String> = sorted.into_iter().map(|e| e.name).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }
}
