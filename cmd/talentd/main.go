// Command talentd is the district talent office's system of record. See `talentd help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "talentd:", err)
		var w withUsage
		if errors.As(err, &w) {
			fmt.Fprint(os.Stderr, "\n"+w.usage)
		}
		os.Exit(exitCode(err))
	}
}
