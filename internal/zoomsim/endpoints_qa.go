package zoomsim

import (
	"fmt"
	"net/http"
	"time"
)

// Meeting Q&A and the meeting and webinar survey reports. What Zoom
// answers for a meeting without Q&A or without a survey is not documented:
// the simulator answers 200 with an empty list (its choice).

// handleMeetingQA: GET /past_meetings/{meetingId}/qa (ID or UUID), the
// same object as the webinar Q&A.
func handleMeetingQA(c *Call) {
	in := lookupInstance(c, false)
	if in == nil {
		return
	}
	c.JSON(http.StatusOK, c.Data.pastQAObject(in))
}

var qaStatuses = []string{"answered", "open", "dismissed", "default"}

// reportQAObject is the GET /report/meetings/{meetingId}/qa answer: the
// questions of pastQAObject with their IDs, times, status and answers.
func (d *Dataset) reportQAObject(in *Instance) map[string]any {
	r := childRand(in.seed, 12)
	byEmail := map[string]participant{}
	for _, p := range d.participants(in) {
		byEmail[p.Email] = p
	}
	host := in.Meeting.Host
	questions := []map[string]any{}
	for _, q := range d.pastQAObject(in)["questions"].([]map[string]any) {
		p := byEmail[q["email"].(string)]
		var details []map[string]any
		for _, qd := range q["question_details"].([]map[string]any) {
			asked := in.Start.Add(time.Duration(5+r.IntN(max(1, in.Duration-5))) * time.Minute)
			st := "open"
			answers := []map[string]any{}
			if a := qd["answer"].(string); a != "" {
				st = "answered"
				answers = append(answers, map[string]any{"user_id": host.ID, "name": host.FirstName + " " + host.LastName,
					"email": host.Email, "content": a, "create_time": ztime(asked.Add(2 * time.Minute)), "type": "host_answered_publicly"})
			} else if r.IntN(3) == 0 {
				st = qaStatuses[2+r.IntN(2)]
			}
			details = append(details, map[string]any{"question": qd["question"], "question_id": ridToken(r, 22),
				"create_time": ztime(asked), "question_status": st, "answer_details": answers})
		}
		questions = append(questions, map[string]any{"user_id": p.UserID, "email": p.Email, "name": p.Name, "question_details": details})
	}
	return map[string]any{"id": in.Meeting.ID, "uuid": in.UUID, "start_time": ztime(in.Start), "questions": questions}
}

// handleReportMeetingQA: GET /report/meetings/{meetingId}/qa.
func handleReportMeetingQA(c *Call) {
	in := reportInstance(c, false)
	if in == nil {
		return
	}
	c.JSON(http.StatusOK, c.Data.reportQAObject(in))
}

var surveyQuestions = []string{"How satisfied were you with this session?", "How likely are you to recommend us?", "What could we do better?"}

// hasSurvey: one meeting or webinar in four has a post-session survey
// (the simulator's choice).
func (m *Meeting) hasSurvey() bool { return m.seed%4 == 1 }

// surveyObject is the GET /report/meetings/{id}/survey (or webinars)
// answer: about half the participants answer every question once, right
// after the end; guests without email have no email member.
func (d *Dataset) surveyObject(in *Instance) map[string]any {
	m := in.Meeting
	answers := []map[string]any{}
	surveyID := ""
	if m.hasSurvey() {
		r := childRand(in.seed, 13)
		surveyID = ridToken(childRand(m.seed, 14), 22)
		for _, p := range d.participants(in) {
			if p.Rejoin || p.Internal || r.IntN(2) == 0 {
				continue
			}
			at := in.End().Add(time.Duration(30+r.IntN(600)) * time.Second)
			var details []map[string]any
			for i, q := range surveyQuestions {
				a := fmt.Sprint(1 + r.IntN(5))
				if i == 2 {
					a = pick(r, []string{"More demos", "Shorter sessions", "Nothing, it was great"})
				}
				details = append(details, map[string]any{"question": q, "question_id": fmt.Sprintf("%s-%d", surveyID[:8], i+1),
					"answer": a, "date_time": ztime(at)})
			}
			o := map[string]any{"name": p.Name, "first_name": p.FirstName, "last_name": p.LastName, "answer_details": details}
			if p.Email != "" {
				o["email"] = p.Email
			}
			answers = append(answers, o)
		}
	}
	kind := "meeting"
	if m.Webinar {
		kind = "webinar"
	}
	return map[string]any{kind + "_id": m.ID, kind + "_uuid": in.UUID, "start_time": ztime(in.Start),
		"survey_id": surveyID, "survey_name": fmt.Sprintf("Feedback: %s", m.Topic), "survey_answers": answers}
}

// handleReportSurvey: GET /report/meetings/{meetingId}/survey and
// GET /report/webinars/{webinarId}/survey.
func handleReportSurvey(webinar bool) func(*Call) {
	return func(c *Call) {
		in := reportInstance(c, webinar)
		if in == nil {
			return
		}
		c.JSON(http.StatusOK, c.Data.surveyObject(in))
	}
}
