// Command withdb runs a command with TEST_DATABASE_URL pointing at a throwaway PostgreSQL server:
//
//	go run ./internal/pgtest/withdb -- go test ./...
//
// It exists so that `make test` shares one server across all test processes: without it every
// package's test binary would initialise and start a private cluster of its own. When
// TEST_DATABASE_URL is already set, the command simply runs against that server. The exit status
// is the command's.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"talentd/internal/pgtest"
	"talentd/internal/postgres"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withdb -- command [args...]")
		return 2
	}
	// Catch signals from the start: a Ctrl-C also reaches the command, which is in the same
	// process group, and this process must outlive it to remove the cluster.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)

	if os.Getenv(pgtest.EnvURL) != "" {
		return command(args, nil, sig)
	}
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := postgres.StartTempCluster(ctx, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "withdb:", err)
		return 1
	}
	code := command(args, []string{pgtest.EnvURL + "=" + c.URL()}, sig)
	if err := c.Remove(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "withdb:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// command runs args with env added to this process's environment, passing on any signal that
// arrives meanwhile, and returns its exit status in the shell's convention.
func command(args, env []string, sig <-chan os.Signal) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withdb:", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sig:
			// A terminal's Ctrl-C already reached the command; a SIGTERM sent to this process alone did not.
			cmd.Process.Signal(s)
		case err := <-done:
			var exit *exec.ExitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &exit):
				if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return exit.ExitCode()
			default:
				fmt.Fprintln(os.Stderr, "withdb:", err)
				return 1
			}
		}
	}
}
