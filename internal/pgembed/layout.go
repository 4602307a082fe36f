package pgembed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// mappedFile, in the requested data dir, records where a root-run cluster
// actually lives; its presence also keeps that choice stable across runs.
const mappedFile = "PGEMBED_MAPPED_TO"

// maxSockDir keeps "<dir>/.s.PGSQL.65535" within the 107 bytes a unix socket
// path may have.
const maxSockDir = 90

// layout is where a cluster lives on disk.
type layout struct {
	requested string              // absolute Options.DataDir
	pgdata    string              // actual PGDATA: requested, or a mapped dir under os.TempDir()
	sockDir   string              // unix socket directory
	lockPath  string              // flock file serialising Start/Stop on this cluster
	cred      *syscall.Credential // postgres user's, when we are root; nil otherwise
}

func resolveLayout(dataDir string) (layout, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return layout{}, fmt.Errorf("pgembed: %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	key := hex.EncodeToString(sum[:8])
	l := layout{requested: abs, pgdata: abs}
	tmp := os.TempDir()
	if os.Geteuid() == 0 {
		if l.cred, err = postgresCredential(); err != nil {
			return layout{}, err
		}
		if !reachable(tmp, l.cred) {
			tmp = "/tmp"
		}
		if needsMapping(abs, l.cred) {
			l.pgdata = filepath.Join(tmp, "mamori-pg-"+key)
		}
	}
	// The lock is outside PGDATA because initdb wants an empty directory.
	l.lockPath = filepath.Join(tmp, "mamori-pg-"+key+".lock")
	l.sockDir = l.pgdata
	if len(l.sockDir) > maxSockDir {
		l.sockDir = filepath.Join("/tmp", "mamori-pgs-"+key)
	}
	return l, nil
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgembed: running as root, so PostgreSQL must run as the 'postgres' system user (Debian/Ubuntu: apt-get install postgresql creates it): %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgembed: postgres user: %w", err)
	}
	// Explicit groups, so that root's supplementary groups are not inherited.
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil {
			cred.Groups = append(cred.Groups, uint32(g))
		}
	}
	return cred, nil
}

// needsMapping reports whether, running as root, the cluster cannot live in
// dir itself: the postgres user must traverse every parent and own dir.
func needsMapping(dir string, cred *syscall.Credential) bool {
	if _, err := os.Stat(filepath.Join(dir, mappedFile)); err == nil {
		return true
	}
	if !reachable(filepath.Dir(dir), cred) {
		return true
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return false // initIfNeeded creates it
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == cred.Uid {
		return false
	}
	entries, err := os.ReadDir(dir)
	return err != nil || len(entries) > 0 // an empty dir is replaced by initdb's
}

// reachable reports whether cred may traverse dir and each existing parent
// (plain mode bits; ACLs are not consulted).
func reachable(dir string, cred *syscall.Credential) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil {
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok || !canExec(fi.Mode(), st, cred) {
				return false
			}
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func canExec(mode os.FileMode, st *syscall.Stat_t, cred *syscall.Credential) bool {
	switch {
	case st.Uid == cred.Uid:
		return mode&0o100 != 0
	case st.Gid == cred.Gid || slices.Contains(cred.Groups, st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// recordMapping writes the mapped location into the requested directory.
func (c *Cluster) recordMapping() error {
	if err := os.MkdirAll(c.requested, 0o700); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	note := c.pgdata + "\n"
	if err := os.WriteFile(filepath.Join(c.requested, mappedFile), []byte(note), 0o644); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return nil
}

// mkdirOwned creates dir (mode 0700) for the user the server runs as.
func (c *Cluster) mkdirOwned(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
	}
	return nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can cancel
// the wait. flock conflicts between separate opens even within one process,
// so goroutines are serialised as well as processes. The file is never
// removed: unlinking a lock file races with the next locker.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
