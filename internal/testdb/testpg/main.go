// Command testpg starts and stops the PostgreSQL cluster that `make test`
// runs the tests against:
//
//	testpg start DIR   start (initialising if needed) the cluster in DIR and
//	                   print its admin URL, for MAMORI_TEST_DATABASE_URL
//	testpg stop DIR    stop it
//
// Progress goes to stderr so that stdout carries only the URL.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"mamori/internal/pgembed"
)

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "start" && os.Args[1] != "stop") {
		fmt.Fprintln(os.Stderr, "usage: testpg start|stop DIR")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := pgembed.Options{DataDir: os.Args[2], Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if err := run(ctx, os.Args[1], opts); err != nil {
		fmt.Fprintln(os.Stderr, "testpg:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, opts pgembed.Options) error {
	if cmd == "stop" {
		return pgembed.StopDir(ctx, opts)
	}
	c, err := pgembed.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Println(c.URL("postgres"))
	return nil
}
