// Command newsmon monitors news sites in many languages and groups their
// articles into candidate incidents. See README.md.
package main

import (
	"os"

	"github.com/newsmon/newsmon/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
