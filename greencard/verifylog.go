package greencard

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// verificationEntry is one line of the verification log.
type verificationEntry struct {
	at        time.Time
	accountID *int64
	window    string
	valid     bool
	reason    string
	serial    *string
	version   *int
	talentID  *int64
	method    string
}

// verifyLog writes verification log lines in batches from one goroutine: a window's scan must not
// wait for a disk flush of its own log line. Lines wait at most flushEvery; a full queue makes
// verifications wait rather than drop lines, and Close writes what is left. A crash can lose the
// lines of the last flush interval.
type verifyLog struct {
	db      *sqlx.DB
	log     *slog.Logger
	entries chan verificationEntry
	flushes chan chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

const (
	flushEvery  = 50 * time.Millisecond
	maxBatch    = 1000
	queueLength = 20_000
)

func newVerifyLog(db *sqlx.DB, log *slog.Logger) *verifyLog {
	return &verifyLog{db: db, log: log, entries: make(chan verificationEntry, queueLength),
		flushes: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
}

func (l *verifyLog) start() { l.once.Do(func() { go l.run() }) }

func (l *verifyLog) add(e verificationEntry) {
	l.start()
	l.entries <- e
}

// flush writes every line queued so far (tests, shutdown).
func (l *verifyLog) flush() {
	l.start()
	ack := make(chan struct{})
	select {
	case l.flushes <- ack:
		<-ack
	case <-l.done:
	}
}

// close writes what is queued and stops the writer.
func (l *verifyLog) close() {
	l.start()
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
}

func (l *verifyLog) run() {
	defer close(l.done)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	batch := make([]verificationEntry, 0, maxBatch)
	write := func() {
		if len(batch) > 0 {
			l.writeAll(batch)
			batch = batch[:0]
		}
	}
	drain := func() {
		for {
			select {
			case e := <-l.entries:
				batch = append(batch, e)
				if len(batch) == maxBatch {
					write()
				}
			default:
				write()
				return
			}
		}
	}
	for {
		select {
		case e := <-l.entries:
			batch = append(batch, e)
			if len(batch) == maxBatch {
				write()
			}
		case <-tick.C:
			write()
		case ack := <-l.flushes:
			drain()
			close(ack)
		case <-l.stop:
			drain()
			return
		}
	}
}

// writeAll writes a batch; when the database refuses it for something a line carries, it writes
// the halves apart, down to single lines, so that one bad line costs only itself and never the
// other windows' scans. An outage is not a bad line: splitting would only repeat the failure.
func (l *verifyLog) writeAll(batch []verificationEntry) {
	err := l.write(batch)
	if err == nil {
		return
	}
	if len(batch) == 1 || errs.Is(err, errs.Unavailable) {
		l.log.Error("verification log lost lines", "lines", len(batch), "err", err)
		return
	}
	half := len(batch) / 2
	l.writeAll(batch[:half])
	l.writeAll(batch[half:])
}

func (l *verifyLog) write(batch []verificationEntry) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return postgres.InTx(ctx, l.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		return insertVerificationLines(ctx, tx, batch)
	})
}
