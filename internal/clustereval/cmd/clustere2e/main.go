// Command clustere2e prints the end-to-end clustering evaluation: the
// labelled cluster data served as a local fake web, crawled by newsmon's
// real pipeline in date, reverse, shuffled, backfill and catch-up orders,
// the stored incidents scored (B-cubed, zh-en pairs). Usage:
//
//	go run ./internal/clustereval/cmd/clustere2e -data ../shared/data/cluster/articles.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/newsmon/newsmon/internal/clustereval/e2e"
	"github.com/newsmon/newsmon/internal/evaldata"
)

func main() {
	data := flag.String("data", os.Getenv(evaldata.ClusterEnv), "the cluster data: articles.jsonl or its directory")
	flag.Parse()
	if err := run(*data); err != nil {
		fmt.Fprintln(os.Stderr, "clustere2e:", err)
		os.Exit(1)
	}
}

func run(data string) error {
	if data == "" {
		return fmt.Errorf("no data: give -data or set %s", evaldata.ClusterEnv)
	}
	items, err := evaldata.ReadCluster(data)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "clustere2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rows, err := e2e.Evaluate(context.Background(), e2e.Sets(items), func() (string, error) { return os.MkdirTemp(tmp, "run-") })
	if err != nil {
		return err
	}
	e2e.Markdown(os.Stdout, rows)
	return nil
}
