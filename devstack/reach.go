package devstack

import (
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
)

// clusterHome holds the clusters of data dirs the PostgreSQL account cannot
// reach (a clone under /root, or in any 0700 folder, started as root).
var clusterHome = "/var/lib/puente"

// placeCluster returns where the cluster asked for in dir can live when
// PostgreSQL runs as the account cred names: dir itself if that account can
// reach it, else a folder of its own under clusterHome, which dir then links
// to. A cluster that already exists where the account cannot reach is an
// error saying what to do, rather than a new, empty cluster elsewhere.
func placeCluster(dir string, cred *syscall.Credential) (string, error) {
	real, err := resolve(dir)
	if err != nil {
		return "", err
	}
	u, err := user.LookupId(strconv.Itoa(int(cred.Uid)))
	if err != nil {
		return "", err
	}
	blocked, mode, err := firstUnreachable(filepath.Dir(real), cred.Uid, groupIDs(u, cred.Gid))
	if err != nil || blocked == "" {
		return real, err
	}
	if _, err := os.Stat(filepath.Join(real, "PG_VERSION")); err == nil {
		return "", fmt.Errorf("PostgreSQL runs as %q, which cannot enter %s (mode %04o), so it cannot use the cluster in %s: "+
			"move the folder where %q can reach it, give %s search permission (chmod o+x), or set DATABASE_URL",
			u.Username, blocked, mode, real, u.Username, blocked)
	}
	sum := sha256.Sum256([]byte(real))
	alt := filepath.Join(clusterHome, "pg-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(clusterHome, 0o755); err != nil {
		return "", fmt.Errorf("PostgreSQL runs as %q, which cannot enter %s (mode %04o), and %s could not be made for its cluster (%v): "+
			"move the clone where %q can reach it or set DATABASE_URL", u.Username, blocked, mode, clusterHome, err, u.Username)
	}
	// dir shows where the data went; a failed link only hides it.
	if fi, err := os.Lstat(real); err == nil && fi.IsDir() {
		_ = os.Remove(real) // only if empty: a leftover of a failed start
	}
	_ = os.Symlink(alt, real)
	return alt, nil
}

// resolve follows the symbolic links of the part of path that exists.
func resolve(path string) (string, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var rest []string
	for at := path; ; at = filepath.Dir(at) {
		if real, err := filepath.EvalSymlinks(at); err == nil {
			slices.Reverse(rest)
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if at == filepath.Dir(at) {
			return path, nil
		}
		rest = append(rest, filepath.Base(at))
	}
}

func groupIDs(u *user.User, primary uint32) []uint32 {
	gids := []uint32{primary}
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil {
			gids = append(gids, uint32(n))
		}
	}
	return gids
}

// firstUnreachable returns the first existing folder from / down to path
// that uid, with groups gids, may not enter, and its mode; "" if none.
func firstUnreachable(path string, uid uint32, gids []uint32) (string, os.FileMode, error) {
	var chain []string
	for at := path; ; at = filepath.Dir(at) {
		chain = append(chain, at)
		if at == filepath.Dir(at) {
			break
		}
	}
	slices.Reverse(chain)
	for _, at := range chain {
		fi, err := os.Stat(at)
		if errors.Is(err, os.ErrNotExist) {
			return "", 0, nil // made later, by MkdirAll, with search permission for all
		}
		if err != nil {
			return "", 0, err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return "", 0, nil
		}
		perm := fi.Mode().Perm()
		var can bool
		switch {
		case st.Uid == uid:
			can = perm&0o100 != 0
		case slices.Contains(gids, st.Gid):
			can = perm&0o010 != 0
		default:
			can = perm&0o001 != 0
		}
		if !can {
			return at, perm, nil
		}
	}
	return "", 0, nil
}
