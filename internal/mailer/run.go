package mailer

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"mamori/internal/campaign"
	"mamori/internal/jobargs"
	"mamori/internal/notice"
	"mamori/internal/store"
)

// Runner is the River client of one instance, working the jobs.
type Runner struct {
	client interface {
		Start(context.Context) error
		Stop(context.Context) error
	}
}

// Start starts working jobs (notification email) until Stop. Every
// instance runs one; River hands each job to one of them.
func Start(ctx context.Context, st *store.Store, m *Mailer) (*Runner, error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &DeliverWorker{m: m}); err != nil {
		return nil, fmt.Errorf("mailer: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &PlanWorker{m: m}); err != nil {
		return nil, fmt.Errorf("mailer: %w", err)
	}
	every := m.PlanEvery
	if every <= 0 {
		every = 15 * time.Minute
	}
	c, err := st.NewRiverClient(&river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: 500 * time.Millisecond,
		Logger:            m.log,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return jobargs.PlanReminders{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("mailer: start jobs: %w", err)
	}
	return &Runner{client: c}, nil
}

// Stop lets running jobs finish (within ctx) and stops fetching new ones.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil {
		return fmt.Errorf("mailer: stop jobs: %w", err)
	}
	return nil
}

// PlanWorker works jobargs.PlanReminders at the mailer's clock.
type PlanWorker struct {
	river.WorkerDefaults[jobargs.PlanReminders]
	m *Mailer
}

// Work sends the campaign reminders, the assignment and action due dates
// and the evidence review-by dates due now, and the daily digests once 9:00 JST has passed. Each step is idempotent:
// a retry or a second planner sends nothing twice.
func (w *PlanWorker) Work(ctx context.Context, _ *river.Job[jobargs.PlanReminders]) error {
	now := w.m.Now()
	n, err := w.m.st.PlanReminders(ctx, now)
	if n > 0 {
		w.m.log.Info("campaign reminders planned", "organisations", n)
	}
	if err != nil {
		return err
	}
	if err := w.m.st.NotifyDueAssignments(ctx, campaign.Day(now.In(notice.JST))); err != nil {
		return err
	}
	if err := w.m.st.NotifyDueActions(ctx, campaign.Day(now.In(notice.JST))); err != nil {
		return err
	}
	if err := w.m.st.NotifyEvidenceReviews(ctx, campaign.Day(now.In(notice.JST))); err != nil {
		return err
	}
	return w.m.sendDigests(ctx, now)
}
