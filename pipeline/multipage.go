package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/newsmon/newsmon"
	"github.com/newsmon/newsmon/crawler"
	"github.com/newsmon/newsmon/dedup"
	"github.com/newsmon/newsmon/extract"
)

// pageFetcher fetches the other pages of a multi-page article with the
// crawl's manners (crawler.PageFetcher).
type pageFetcher interface {
	FetchPage(ctx context.Context, rawURL string) (newsmon.Page, error)
}

// handleArticle extracts one article page and stores it. An article split
// over several pages is read whole: its continuation pages are fetched
// (at most extract.MaxPages pages in all, each once) and their bodies
// joined in page order under the first page's URL; the continuation URLs
// are indexed to the article, which is never stored from a continuation
// page. A later page reached on its own is read from its first page. f nil
// reads single pages only.
func (p *Pipeline) handleArticle(ctx context.Context, src newsmon.Source, page newsmon.Page, f pageFetcher) (outcome, error) {
	a, pg, err := p.extractPage(ctx, src, page)
	if err != nil {
		return 0, err
	}
	if pg.First != "" && f != nil {
		// A continuation page: the article is its first page's.
		if id, known := p.knownURL(src, pg.First); known {
			p.mu.Lock()
			p.indexURLs(id, src, page)
			p.mu.Unlock()
			return outcomeKnown, nil
		}
	}
	r := pageReader{log: p.log, extract: p.extractPage}
	page, a, parts, err := r.whole(ctx, src, page, a, pg, f)
	if err != nil {
		return 0, err
	}
	if err := p.acquire(ctx); err != nil {
		return 0, err
	}
	defer p.release()
	return p.storeArticle(src, page, a, parts)
}

// ExtractWhole is Extract for an article that may be split over pages,
// read the way the crawl in one process reads it (handleArticle, one piece
// of code): a continuation page is read from its first page, and the
// continuation pages are fetched with f (crawler.FetcherFrom of the page
// handler's context) and joined under the first page's URL, their URLs
// among the article's. Unlike handleArticle it does not look the first
// page up in the store (a fetch worker has none): the daemon finds the
// article known by its URL. An error fetching a page is a
// *crawler.FetchError (Temporary: worth another try later); any other
// error is the extraction's. f nil: Extract. log nil: discarded.
func ExtractWhole(ctx context.Context, src newsmon.Source, page newsmon.Page, f crawler.PageFetcher, log *slog.Logger) (Extracted, error) {
	if f == nil {
		return Extract(src, page)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := pageReader{log: log, extract: func(_ context.Context, src newsmon.Source, page newsmon.Page) (newsmon.Article, extract.Pages, error) {
		return extract.ExtractPaged(extractInput(src, page))
	}}
	a, pg, err := r.extract(ctx, src, page)
	if err != nil {
		return Extracted{}, err
	}
	page, a, parts, err := r.whole(ctx, src, page, a, pg, f)
	if err != nil {
		return Extracted{}, err
	}
	return prepare(src, page, a, parts)
}

// pageReader reads the pages of an article: extract reads one (in the
// daemon holding a worker slot), log tells of pages left out.
type pageReader struct {
	log     *slog.Logger
	extract func(ctx context.Context, src newsmon.Source, page newsmon.Page) (newsmon.Article, extract.Pages, error)
}

// whole reads the article a (pagination pg) of page whole: from its first
// page when page is a later one that the first page links to, then its
// continuation pages. It returns the page the article is stored under,
// the article with the joined body, and the continuation URLs read. f nil
// reads page alone.
func (r pageReader) whole(ctx context.Context, src newsmon.Source, page newsmon.Page, a newsmon.Article, pg extract.Pages, f pageFetcher) (newsmon.Page, newsmon.Article, []string, error) {
	if f == nil {
		return page, a, nil, nil
	}
	var given *newsmon.Page // the page in hand when the article is read from its first
	if pg.First != "" {
		first, err := f.FetchPage(ctx, pg.First)
		if err != nil {
			return page, a, nil, fmt.Errorf("first page of %s: %w", page.URL, err)
		}
		fa, fpg, err := r.extract(ctx, src, first)
		if err != nil {
			return page, a, nil, fmt.Errorf("first page of %s: %w", page.URL, err)
		}
		if slices.ContainsFunc(fpg.Next, func(u string) bool {
			c := canonical(src, u)
			return c == canonical(src, pageURL(page)) || c == canonical(src, page.URL)
		}) {
			in := page
			given = &in
			page, a, pg = first, fa, fpg
		}
	}
	if len(pg.Next) == 0 {
		return page, a, nil, nil
	}
	body, parts, err := r.readPages(ctx, src, page, a.Body, pg, f, given)
	if err != nil {
		return page, a, nil, err
	}
	a.Body = body
	return page, a, parts, nil
}

// readPages fetches the continuation pages of the article on page, from
// its first continuations on, and returns the body joined in page order
// with the URLs of the pages read. Each page's own links may name further
// pages (a window of page numbers); a page is read once, and the pages
// read, the first included, are at most extract.MaxPages. A page that
// cannot be read for good (gone, no text) ends the article there; a
// temporary failure fails the article, to be read again next crawl.
// given, if not nil, is a continuation page already fetched: it is read
// from there, not fetched again.
func (r pageReader) readPages(ctx context.Context, src newsmon.Source, page newsmon.Page, body string, pg extract.Pages, f pageFetcher, given *newsmon.Page) (string, []string, error) {
	seen := map[string]bool{canonical(src, pageURL(page)): true, canonical(src, page.URL): true}
	bodies := []string{body}
	var parts []string
	queue := slices.Clone(pg.Next)
	for len(queue) > 0 && len(bodies) < extract.MaxPages {
		u := queue[0]
		queue = queue[1:]
		if seen[canonical(src, u)] {
			continue
		}
		seen[canonical(src, u)] = true
		var next newsmon.Page
		var err error
		if given != nil && (canonical(src, u) == canonical(src, given.URL) || canonical(src, u) == canonical(src, pageURL(*given))) {
			next = *given
		} else {
			next, err = f.FetchPage(ctx, u)
		}
		if err != nil {
			if fe := (*crawler.FetchError)(nil); errors.As(err, &fe) && !fe.Temporary {
				r.log.Warn("continuation page not read", "url", u, "article", page.URL, "err", err)
				break
			}
			return "", nil, fmt.Errorf("continuation %s of %s: %w", u, page.URL, err)
		}
		if fin := canonical(src, pageURL(next)); fin != canonical(src, u) && seen[fin] {
			continue // redirected to a page already read
		}
		na, npg, err := r.extract(ctx, src, next)
		if err != nil || strings.TrimSpace(na.Body) == "" {
			r.log.Warn("continuation page without text", "url", u, "article", page.URL, "err", err)
			break
		}
		seen[canonical(src, pageURL(next))] = true
		bodies = append(bodies, na.Body)
		parts = append(parts, u)
		if fin := pageURL(next); fin != u {
			parts = append(parts, fin) // reached through a redirect
		}
		// Pages this one names beyond those queued, in page order.
		for _, v := range npg.Next {
			if !seen[canonical(src, v)] && !slices.Contains(queue, v) {
				queue = append(queue, v)
			}
		}
	}
	return strings.Join(bodies, "\n\n"), parts, nil
}

// extractPage reads one page, holding a worker slot.
func (p *Pipeline) extractPage(ctx context.Context, src newsmon.Source, page newsmon.Page) (newsmon.Article, extract.Pages, error) {
	if err := p.acquire(ctx); err != nil {
		return newsmon.Article{}, extract.Pages{}, err
	}
	defer p.release()
	return extract.ExtractPaged(extractInput(src, page))
}

// extractInput is what extraction reads of page, a page of src.
func extractInput(src newsmon.Source, page newsmon.Page) extract.Input {
	return extract.Input{
		URL:       pageURL(page),
		HTML:      page.Body,
		FetchedAt: page.FetchedAt,
		Rules:     src.Rules,
		Location:  src.Location,
		Lang:      src.Lang,
	}
}

// acquire takes one of the worker slots that bound how many pages are
// handled at once, once the open batch has room (worker); fetches of
// further pages happen outside them.
func (p *Pipeline) acquire(ctx context.Context) error { return p.worker(ctx) }

func (p *Pipeline) release() { <-p.workers }

// knownURL returns the article stored (or pending) under u.
func (p *Pipeline) knownURL(src newsmon.Source, u string) (string, bool) {
	c := canonical(src, u)
	p.mu.Lock()
	id, ok := p.pendingURL(c)
	p.mu.Unlock()
	if ok {
		return id, true
	}
	id, ok, err := p.store.ArticleIDByURL(c)
	return id, err == nil && ok
}

// indexURLs indexes the URLs of page to article id. Call with p.mu held.
func (p *Pipeline) indexURLs(id string, src newsmon.Source, page newsmon.Page) {
	var urls []string
	for _, u := range []string{pageURL(page), page.URL} {
		if c, err := dedup.CanonicalURL(u, src.HostAliases); err == nil && !slices.Contains(urls, c) {
			urls = append(urls, c)
		}
	}
	if len(urls) > 0 {
		p.enqueueDuplicate(id, newsmon.Duplicate{}, urls)
	}
}

// pageURL is the URL a page was read from: after redirects.
func pageURL(page newsmon.Page) string {
	if page.FinalURL != "" {
		return page.FinalURL
	}
	return page.URL
}
