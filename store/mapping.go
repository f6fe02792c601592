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
// transaction (update), every releaseLookups lookups and every releaseKeys
// keys of a near-log fold: the resident part of the database is then what
// about 200 pages' lookups and one transaction visit (docs/memory.md).
// Released pages stay in the kernel's page cache: a later read maps them
// again without reading the disk.

// releaseLookups is how many URL and content-hash lookups (lookup) may
// pass between releases of the mapping's pages besides those of the
// commits: a crawl looks up two or three keys and 42 near keys a page, so
// 512 lookups are about 200 pages, whose lookups visit at most about 35 MB
// of pages however large the batches grow.
const releaseLookups = 512

// releaseKeys is how many near keys a fold of the near log (foldNear)
// looks up between releases of the mapping's pages, as it visits most of
// the near bucket in one transaction: 8,192 lookups visit at most 32 MB
// of pages.
const releaseKeys = 8192

// releaseMapped releases the resident pages of the database's mapping, in a
// read transaction, so bbolt cannot remap the file meanwhile. It is a hint:
// failures are ignored.
func (s *Store) releaseMapped() {
	_ = s.db.View(func(tx *bolt.Tx) error {
		releasePages(s.db.Info().Data, tx.Size())
		return nil
	})
}
