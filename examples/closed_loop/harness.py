"""A generated controller as the insulin pump of a dosing loop, generic over the spec.

:class:`SpecPump` drives any generated controller through its public API only —
``handle``, ``tick``, ``tick_lets`` and the module's metadata (``EVENTS``,
``MOTOR_SOURCES``, ``UNITS_PER_STEP``, ``SECONDS_PER_TICK``; docs/controller.md). What a
dosing algorithm proposes reaches the spec through an :class:`Adapter` (adapters.py),
which names the spec's events; nothing here knows an event name.

- **Proposals.** A basal rate (U/h) or a bolus (U) is rounded down to the resolution of
  the parameter that carries it (``Domain.floor``: never up) and sent as the adapter's
  event. A refusal (``Rejected``) is recorded with its reason code, requirement id and
  text; the pump keeps doing what it did before. A CGM reading goes to the spec's
  glucose event first, each sample, when the adapter names one (``reading()``).
- **Caps.** When the adapter names the pump's :class:`Envelope` for the loop's rate, a
  proposal above it is lowered to it before it is sent, as a real loop caps its
  proposal (oref0's ``getMaxSafeBasal``), and recorded as a clamp by the envelope's
  requirement; the pump still refuses anything above it that reaches it.
- **Insulin.** ``minute()`` runs one minute of ticks and returns the motor steps they
  commanded (the sum of ``TickSteps.total``); the patient receives exactly those steps
  times ``UNITS_PER_STEP`` U over that minute.
- **Clamps.** Before each tick, ``tick_lets()`` says what each motor source's rate asks
  for (``raw``) and what it will command (``steps``); ``min(raw, limit) - steps`` steps
  are withheld by a budget (the reservoir), a dose window or a limit expression (the
  closed-loop spec's insulin-on-board room), and recorded per source
  (``dose limit (basal)``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import ModuleType
from typing import Any, NamedTuple

DOSE, RATE, GLUCOSE = "U", "U/h", "mg/dL"  # Domain.reference of a dose, a rate, a reading
DOSE_LIMIT = "dose limit"  # a tick clamp: "dose limit (<source>)"


@dataclass(frozen=True)
class Step:
    """One setup event. Parameters as the API takes them, plus quantities as text
    (``"300 U"``) and enum members by name; ``until``: tick until the pump is in that
    state (at most a day of ticks)."""

    event: str
    params: Mapping[str, Any] = field(default_factory=dict)
    until: str | None = None


@dataclass(frozen=True)
class Command:
    """The event that carries one kind of proposal: ``param`` gets the proposed quantity
    (rounded down to its resolution), ``fixed`` holds the event's other parameters."""

    event: str
    param: str
    fixed: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Envelope:
    """The highest rate the pump accepts for the loop's temporary basal, as the pump
    publishes it: ``limit(state, constants)`` is that rate in the rate parameter's base
    units, from the controller's variables (``snapshot()``, by name, in base units: its
    settings, programme and clock) and the spec's ``constants`` (by name; each named in
    ``constants``, checked when the harness starts);
    ``requirement`` is the one that refuses a rate above it."""

    requirement: str
    constants: tuple[str, ...]
    limit: Callable[[Mapping[str, Any], Mapping[str, Any]], int]


@dataclass(frozen=True)
class Adapter:
    """How a dosing loop's proposals map onto one spec's events.

    ``setup(basal)`` brings the pump from power-on to delivering at the patient's
    scheduled basal rate (U/h, already a multiple of the rate's resolution); ``basal``
    carries a proposed rate, re-sent every sample when ``basal_every_sample`` (a
    temporary basal that expires when the loop goes silent), else only when it changes;
    ``bolus`` a proposed dose (a meal bolus, which a person confirms), ``auto_bolus`` a
    dose proposed in a sample without a meal (the algorithm's own correction: an
    automated dose, for specs that take one; else it goes as ``bolus`` too);
    ``glucose`` each CGM reading (mg/dL), for specs that take
    glucose events, and ``forecast`` the parameter of that event that takes the glucose
    predicted 30 min ahead (``SpecPump.reading``); ``envelope`` the cap on the proposed
    rate, for specs that publish one.
    """

    pump: str
    setup: Callable[[Fraction], list[Step]]
    basal: Command
    basal_every_sample: bool
    bolus: Command | None
    auto_bolus: Command | None = None
    glucose: Command | None = None
    forecast: str | None = None  # the glucose event's parameter for the predicted glucose
    envelope: Envelope | None = None


def quantity_text(value: Fraction, unit: str) -> str:
    """``value`` as an exact decimal quantity (``"0.825 U/h"``) for ``handle``."""
    for digits in range(0, 19):
        scaled = value * 10 ** digits
        if scaled.denominator == 1:
            whole = str(scaled.numerator).rjust(digits + 1, "0")
            return f"{whole[:-digits]}.{whole[-digits:]} {unit}" if digits else f"{whole} {unit}"
    raise ValueError(f"{value} has no exact decimal form")


class Refusal(NamedTuple):
    minute: int
    event: str
    proposed: str  # the quantity proposed, as text
    code: int
    requirement: str | None
    text: str

    @property
    def key(self) -> str:
        """The requirement that refused, or the reason code when it has none."""
        return self.requirement or f"reason {self.code}"


class Clamp(NamedTuple):
    """Insulin a proposal or a tick asked for and did not get, without a refusal."""

    minute: int
    units: Fraction  # U withheld: by a tick's budget or dose window, or by a capped rate
    by: str  # the envelope's requirement for a cap, "dose limit (<source>)" for a tick


class SetupError(Exception):
    """The adapter's setup did not bring the pump to delivery."""


class SpecPump:
    """One generated controller, driven as the pump of a dosing loop."""

    def __init__(self, generated: ModuleType, adapter: Adapter,
                 constants: Mapping[str, Any] | None = None) -> None:
        self.gen = generated
        self.adapter = adapter
        self.pump = getattr(generated, adapter.pump)()
        ticks = Fraction(60) / generated.SECONDS_PER_TICK
        if ticks.denominator != 1:
            raise ValueError(f"a tick of {generated.SECONDS_PER_TICK} s does not divide a minute")
        self.ticks_per_minute = int(ticks)
        self.units_per_step = Fraction(generated.UNITS_PER_STEP)
        self.minute_count = 0
        self.refusals: list[Refusal] = []
        self.clamps: list[Clamp] = []
        self.states: list[tuple[int, str]] = [(0, self.pump.state.name)]
        self._last_basal: int | None = None
        self._last_reading: float | None = None
        self._sources = tuple(generated.MOTOR_SOURCES.values())
        self.basal_domain = self._domain(adapter.basal, (RATE,))
        self.bolus_domain = self._domain(adapter.bolus, (DOSE,)) if adapter.bolus else None
        self.auto_bolus_domain = self._domain(adapter.auto_bolus, (DOSE,)) \
            if adapter.auto_bolus else None
        # a reading in mg/dL, or a plain number of mg/dL in a spec without a glucose unit
        self.glucose_domain = self._domain(adapter.glucose, (GLUCOSE, "")) \
            if adapter.glucose else None
        self.constants = dict(constants or {})
        if adapter.envelope is not None:
            missing = [name for name in adapter.envelope.constants if name not in self.constants]
            if missing:
                raise ValueError(f"{adapter.pump}'s envelope needs the spec's constants "
                                 f"{', '.join(missing)}")

    def _domain(self, command: Command, references: tuple[str, ...]):
        """The Domain of the parameter that carries a proposal, checked against the
        spec's metadata: the event exists and the parameter is read in one of
        ``references`` ("" a plain number)."""
        events = self.gen.EVENTS
        if command.event not in events or command.param not in events[command.event].params:
            raise ValueError(f"{self.adapter.pump} has no event parameter "
                             f"{command.event}({command.param})")
        domain = events[command.event].params[command.param]
        if domain.kind != "int" or domain.reference not in references:
            raise ValueError(f"{command.event}({command.param}) measures "
                             f"{domain.reference or 'a number'}, not {' or '.join(references)}")
        return domain

    # ------------------------------------------------------------ events

    def arguments(self, event: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` for ``handle``: an enum member given by name becomes its index (from
        the event's metadata); quantities as text are converted exactly by ``handle``."""
        domains = self.gen.EVENTS[event].params
        return {name: domains[name].members.index(value)
                if domains[name].kind == "enum" and isinstance(value, str) else value
                for name, value in params.items()}

    def start(self, scheduled_basal: Fraction) -> None:
        """Run the adapter's setup; every event must be accepted."""
        for step in self.adapter.setup(scheduled_basal):
            if step.until is not None:
                for _ in range(86400):
                    if self.pump.state.name == step.until:
                        break
                    self.pump.tick()
                else:
                    raise SetupError(f"the pump never reached {step.until}")
                continue
            try:
                self.pump.handle(step.event, **self.arguments(step.event, step.params))
            except self.gen.Rejected as rejection:
                raise SetupError(f"setup: {rejection}") from None
        self.states.append((0, self.pump.state.name))

    def scheduled(self, rate_u_per_h: float) -> Fraction:
        """A scheduled basal rate the spec can hold: rounded down to the resolution."""
        return self.basal_domain.in_reference(self.basal_domain.floor(rate_u_per_h, "U/h"))

    def reading(self, glucose_mg_dl: float, sample_minutes: int) -> None:
        """Send a CGM reading (mg/dL), rounded down to the parameter's resolution (for a
        low-glucose rule, down is the cautious side), when the spec takes readings; with
        a forecast parameter, the reading extrapolated 30 min along the change since the
        last sample, within the parameter's range, rounded down too."""
        domain = self.glucose_domain
        if domain is None:
            return
        command, fixed = self.adapter.glucose, {}
        if self.adapter.forecast is not None:
            trend = 0.0 if self._last_reading is None else glucose_mg_dl - self._last_reading
            forecast = glucose_mg_dl + trend * 30 / sample_minutes
            predicted = self._glucose_value(self.gen.EVENTS[command.event].params[self.adapter.forecast],
                                            forecast)
            fixed = {self.adapter.forecast: predicted}
        self._last_reading = glucose_mg_dl
        self._send(Command(command.event, command.param, {**command.fixed, **fixed}),
                   self._glucose_value(domain, glucose_mg_dl), f"{glucose_mg_dl:.1f} mg/dL")

    @staticmethod
    def _glucose_value(domain, mg_dl: float) -> int:
        value = domain.floor(mg_dl, GLUCOSE) if domain.measures else int(mg_dl // 1)
        return min(max(value, domain.lo), domain.hi)

    def propose(self, basal_u_per_h: float, bolus_u: float, sample_minutes: int = 1,
                meal: bool = True) -> None:
        """Send one sample's proposals: a basal rate (a negative one is zero; above the
        envelope, the envelope's rate, recorded as a clamp of the difference over the
        sample's ``sample_minutes``) and a bolus (none below one step): a meal bolus as the
        adapter's ``bolus``, a dose in a sample without a ``meal`` as its ``auto_bolus``
        when it has one."""
        rate = self.basal_domain.floor(max(basal_u_per_h, 0.0), "U/h")
        envelope = self.adapter.envelope
        if envelope is not None:
            limit = envelope.limit(dict(self.pump.snapshot().values), self.constants)
            if rate > limit:
                over = self.basal_domain.in_reference(rate - limit) * Fraction(sample_minutes, 60)
                self.clamps.append(Clamp(self.minute_count, over, envelope.requirement))
                rate = limit
        if self.adapter.basal_every_sample or rate != self._last_basal:
            self._send(self.adapter.basal, rate, f"{basal_u_per_h:.3f} U/h")
            self._last_basal = rate
        command, domain = self.adapter.bolus, self.bolus_domain
        if not meal and self.adapter.auto_bolus is not None:
            command, domain = self.adapter.auto_bolus, self.auto_bolus_domain
        if domain is not None and bolus_u > 0:
            dose = domain.floor(bolus_u, "U")
            if dose > 0:
                self._send(command, dose, f"{bolus_u:.3f} U")

    def _send(self, command: Command, value: int, proposed: str) -> None:
        params = {**self.arguments(command.event, command.fixed), command.param: value}
        try:
            self.pump.handle(command.event, **params)
        except self.gen.Rejected as rejection:  # InvalidEvent too: outside the wire domain
            self.refusals.append(Refusal(self.minute_count, command.event, proposed, rejection.code,
                                         rejection.requirement, rejection.text))

    # ------------------------------------------------------------ time

    def minute(self) -> Fraction:
        """One minute of ticks: the insulin (U) the motor delivered, exactly."""
        pump, delivered = self.pump, 0
        withheld = dict.fromkeys((source.name for source in self._sources), 0)
        for _ in range(self.ticks_per_minute):
            lets = pump.tick_lets()
            for source in self._sources:
                raw = getattr(lets, source.raw)
                asked = min(raw, getattr(pump, source.limit)) if source.limit else raw
                withheld[source.name] += asked - getattr(lets, source.steps)
            delivered += pump.tick().total
        for source, steps in withheld.items():
            if steps:
                self.clamps.append(Clamp(self.minute_count, steps * self.units_per_step,
                                         f"{DOSE_LIMIT} ({source})"))
        self.minute_count += 1
        if pump.state.name != self.states[-1][1]:
            self.states.append((self.minute_count, pump.state.name))
        return delivered * self.units_per_step
