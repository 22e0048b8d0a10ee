package accounts

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"talentd/internal/httpapi"
)

// Over HTTP, a login that finds no hashing slot within the wait is answered 503 with Retry-After.
func TestLoginHTTP_HashingCapAnswers503(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{HashConcurrency: 1, HashWait: 20 * time.Millisecond}, "olivia")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httpapi.New(httpapi.Options{Title: "test", Version: "test", Logger: log, Authenticate: e.s.Authenticate})
	Register(srv.API, e.s)
	ts := httptest.NewServer(srv.Handler)
	defer ts.Close()

	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	e.s.onHash = func() {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()

	login := func(user string) *http.Response {
		res, err := http.Post(ts.URL+"/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"`+user+`","password":"`+hardeningPassword+`"}`))
		if err != nil {
			t.Error(err)
			return nil
		}
		res.Body.Close()
		return res
	}
	done := make(chan *http.Response, 1)
	go func() { done <- login("olivia") }()
	<-entered
	res := login("admin")
	if res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("login while the only slot is held: %v", res)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	free()
	if res := <-done; res == nil || res.StatusCode != http.StatusOK {
		t.Errorf("the login holding the slot: %v", res)
	}
}
