"""The next meeting and the actions with dates, as an iCalendar (.ics) file.

So the coordinator can send the invitation the same day: the agreed next
meeting (the date and time written in «next meeting», e.g. «2027-02-03 kl.
10.00 i Bodø») and every action whose WHEN holds a date, as all-day events.
Made with the ``icalendar`` library (RFC 5545: folding, escaping, UIDs).
Times are floating (no time zone): the meeting is at ten wherever the
calendar is, which is what a room in one country agreed. Without a date
nothing is guessed: the event is left out.
"""

from __future__ import annotations

import datetime

from icalendar import Calendar, Event

from kompsesjon.i18n import Translator
from kompsesjon.method.review import date_in, time_in
from kompsesjon.method.series import CLOSED

from .report import Report

MEETING_HOURS = 2  # how long a meeting with a start time is shown


def _stamp(report: Report) -> datetime.datetime:
    when = report.exported_at or report.session.created_at
    return datetime.datetime.fromtimestamp(when, tz=datetime.UTC)


def _meeting(report: Report, t: Translator) -> Event | None:
    day = date_in(report.next_meeting)
    if day is None:
        return None
    event = Event()
    event.add("uid", f"{report.session.id}-next-meeting@kompsesjon")
    event.add("dtstamp", _stamp(report))
    event.add("summary", f"{t('export.next_meeting')}: {report.session.title}")
    start = time_in(report.next_meeting)
    if start is None:
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
    else:
        begins = datetime.datetime.combine(day, start)
        event.add("dtstart", begins)
        event.add("dtend", begins + datetime.timedelta(hours=MEETING_HOURS))
    lines = [report.next_meeting, *(f"– {step}" for step in report.next_steps)]
    event.add("description", "\n".join(lines))
    return event


def _action(uid: str, report: Report, title: str, due: datetime.date, plan, t: Translator) -> Event:
    event = Event()
    event.add("uid", f"{uid}@kompsesjon")
    event.add("dtstamp", _stamp(report))
    event.add("summary", f"{title}: {plan.what}" if plan.what else title)
    event.add("dtstart", due)
    event.add("dtend", due + datetime.timedelta(days=1))
    fields = ("what", "how", "who", "first_step", "when")
    event.add("description", "\n".join(f"{t(f'plan.{f}')} {getattr(plan, f)}" for f in fields if getattr(plan, f)))
    return event


def render_ics(report: Report) -> str:
    t = Translator(report.session.lang)
    calendar = Calendar()
    calendar.add("prodid", "-//kompsesjon//kompsesjon//NB")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", report.session.title)
    meeting = _meeting(report, t)
    if meeting is not None:
        calendar.add_component(meeting)
    seen: set[str] = set()
    for island in report.islands:
        due = date_in(island.plan.when)
        if due is not None:
            seen.add(f"{report.session.id}:{island.id}")
            calendar.add_component(
                _action(f"{report.session.id}-{island.id}", report, island.title, due, island.plan, t)
            )
    for action in report.series.actions if report.series else []:
        if action.due and action.id not in seen and action.status not in CLOSED:
            due = datetime.date.fromisoformat(action.due)
            uid = action.id.replace(":", "-")
            calendar.add_component(_action(uid, report, action.island, due, action.plan, t))
    text = calendar.to_ical().decode("utf-8")
    return text if text.endswith("\r\n") else text + "\r\n"  # RFC 5545: every line ends with CRLF
