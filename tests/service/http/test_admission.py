"""Admission control on its own: turns handed over in order, and a full waiting room
refused at once instead of waiting its time out."""

from __future__ import annotations

import asyncio
import contextlib

from citeqa.service.http.limits import Admission


def test_turns_pass_to_the_longest_waiting_and_a_full_waiting_room_is_refused_at_once() -> None:
    async def scenario() -> None:
        admission = Admission(limit=2, wait_s=30.0)
        assert await admission.enter() and await admission.enter()
        first = asyncio.create_task(admission.enter())
        await asyncio.sleep(0)
        second = asyncio.create_task(admission.enter())
        await asyncio.sleep(0)
        # Two wait already: a third could not get a turn in time. Refused now, not in 30 s.
        assert await asyncio.wait_for(admission.enter(), timeout=5) is False
        admission.leave()
        assert await asyncio.wait_for(first, timeout=5) is True
        assert not second.done()
        admission.leave()
        assert await asyncio.wait_for(second, timeout=5) is True
        assert admission.in_flight == 2
        admission.leave()
        admission.leave()
        assert admission.in_flight == 0

    asyncio.run(scenario())


def test_a_question_that_waited_its_time_out_is_refused_and_leaves_no_trace() -> None:
    async def scenario() -> None:
        admission = Admission(limit=1, wait_s=0.01)
        assert await admission.enter()
        assert await admission.enter() is False
        admission.leave()
        assert admission.in_flight == 0
        assert await admission.enter()  # the refused one did not keep a turn

    asyncio.run(scenario())


def test_a_waiting_question_whose_client_goes_away_passes_its_turn_on() -> None:
    async def scenario() -> None:
        admission = Admission(limit=1, wait_s=30.0)
        assert await admission.enter()
        gone = asyncio.create_task(admission.enter())
        await asyncio.sleep(0)
        admission.leave()  # the turn is handed to `gone` ...
        gone.cancel()  # ... whose client left before it could start
        with contextlib.suppress(asyncio.CancelledError):
            await gone
        # Either it took the turn (and answers) or passed it on: none is lost.
        if gone.cancelled():
            assert admission.in_flight == 0
        else:
            assert gone.result() is True and admission.in_flight == 1
            admission.leave()
        assert await asyncio.wait_for(admission.enter(), timeout=5)
        assert admission.in_flight == 1

    asyncio.run(scenario())
