package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/puente-dev/puente/workflows"
)

// DigestTime is when the daily digest runs: a time of day in a time zone.
type DigestTime struct {
	Hour, Minute int
	// TimeZone is an IANA name such as UTC or America/Lima.
	TimeZone string
}

// ParseDigestTime reads "HH:MM" in the time zone tz.
func ParseDigestTime(hhmm, tz string) (DigestTime, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return DigestTime{}, fmt.Errorf("digest time %q: want HH:MM", hhmm)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return DigestTime{}, fmt.Errorf("digest time zone %q: %w", tz, err)
	}
	return DigestTime{Hour: t.Hour(), Minute: t.Minute(), TimeZone: tz}, nil
}

// EnsureDigestSchedule creates the Temporal Schedule of the daily digest,
// or brings an existing one to this time and task queue. Every worker calls
// it at start: the schedule exists once, and the last start's settings win.
func EnsureDigestSchedule(ctx context.Context, c client.Client, taskQueue string, at DigestTime) error {
	spec := client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Hour:   []client.ScheduleRange{{Start: at.Hour}},
			Minute: []client.ScheduleRange{{Start: at.Minute}},
		}},
		TimeZoneName: at.TimeZone,
	}
	action := &client.ScheduleWorkflowAction{
		ID:                       workflows.DigestWorkflowID,
		Workflow:                 workflows.Digest,
		Args:                     []any{workflows.DigestInput{TimeZone: at.TimeZone}},
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: 23 * time.Hour,
	}
	policy := &client.SchedulePolicies{
		// A day's run still retrying when the next is due: skip the next.
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		// A server down at the hour still sends the digest within a few hours.
		CatchupWindow: 6 * time.Hour,
	}
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{ID: workflows.DigestScheduleID, Spec: spec, Action: action,
		Overlap: policy.Overlap, CatchupWindow: policy.CatchupWindow})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create the digest schedule: %w", err)
		}
		return nil
	}
	err = sc.GetHandle(ctx, workflows.DigestScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action, s.Policy = &spec, action, policy
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update the digest schedule: %w", err)
	}
	return nil
}
