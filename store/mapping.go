package store

import (
	bolt "go.etcd.io/bbolt"
)

// The database's pages resident in the process. bbolt reads every page it
// visits through one shared mapping of the whole file, and a page read
// once stays in the process's resident memory until the mapping goes, so
// the resident size grew with the database: a crawl of 10,000 articles
// held all of its 128 MB file resident, the near-duplicate lookups alone
// visiting a page of the near index for each of a page's 42 band keys. So
// the store releases the mapping's pages (releaseMapped) after every write
// transaction (update) and every releaseLookups lookups: the resident part
// of the database is then what that many lookups and one transaction visit
// (docs/memory.md).
// Released pages stay in the kernel's page cache: a later read maps them
// again without reading the disk.

// releaseLookups is how many reads of a key (URL and content-hash lookups,
// candidates' signatures, incidents and whole articles read back, each
// article of a walk by time) may pass between releases
// of the mapping's pages besides those of the commits: each visits a leaf
// page or two, and a read fault maps the pages around it that are in the
// page cache too (fault-around, up to 16), so 256 of them visit at most
// about 16 MB of the mapping, however far commits fall behind. A release
// costs about 0.1 ms on a 700 MB file and each page re-read after it a
// fault: at 20,000 pages (2026-12-03), 4,096 left 140-157 MB of the file
// resident at the peak, 1,024 104-111 MB for the same CPU a page, 512
// 99-109 MB. Traced at 30,000 pages (2026-12-08), the mapping's peaks
// come in write transactions, not from the reads between them: with
// releases every 128 reads a transaction began with 18-41 MB of the file
// resident, and a batch of 1,024 articles with their 700 incidents added
// 100-137 MB, a Settle chunk of 489 incidents 90 MB (each incident writes
// its record, its state and its last-seen entry, at random). 256 since,
// with the pipeline's batches of at most 256 (docs/benchmarks.md,
// "2026-12-08"). Before candidates' signatures counted, a crawl of 20,000
// pages whose commits fell behind had all of its 181 MB file resident.
const releaseLookups = 256

// looked counts a read of a key, and releases the mapping's pages every
// releaseLookups of them.
func (s *Store) looked() {
	if s.lookups.Add(1)%releaseLookups == 0 {
		s.releaseMapped() // what the last lookups visited
	}
}

// releaseMapped releases the resident pages of the database's mapping, in a
// read transaction, so bbolt cannot remap the file meanwhile. It is a hint:
// failures are ignored.
func (s *Store) releaseMapped() {
	_ = s.db.View(func(tx *bolt.Tx) error {
		releasePages(s.db.Info().Data, tx.Size())
		return nil
	})
}
