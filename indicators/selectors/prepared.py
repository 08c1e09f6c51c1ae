"""Queries the ORM builds and compiles once per process and database, then run with each request's ids bound."""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


class PreparedQuery:
    """The SQL of `build(**ids)`, built and compiled by the ORM once per database, its ids bound per call.

    For a read on a hot path whose compiling costs more than the database's work: the autosave's progress, whose
    conditions cost ~2 ms of Django's building and compiling on every save and well under a millisecond in
    PostgreSQL. `build` is called once with stand-in ids (negative numbers no row and no constant of the query
    has); every parameter of the compiled SQL equal to a stand-in is replaced by the id of its name in `sql()`.
    So `build` may use the ids only where Django passes them through as query parameters (lookups such as
    `edition=`, `city_id=`), never in Python logic that changes the query's shape by their value.
    """

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build = build
        self.stand_ins = {name: -7_000_001 - n for n, name in enumerate(names)}
        self.compiled: dict[str, tuple[str, tuple]] = {}  # database alias -> SQL and parameters with stand-ins

    def sql(self, using: str = DEFAULT_DB_ALIAS, **ids: int) -> tuple[str, list]:
        """The SQL and its parameters with `ids` (one per name) bound."""
        if ids.keys() != self.stand_ins.keys():
            raise TypeError(f"{self.build.__name__}: ids {sorted(self.stand_ins)} expected, got {sorted(ids)}")
        if using not in self.compiled:
            queryset = self.build(**self.stand_ins)
            sql, params = queryset.query.get_compiler(connection=connections[using]).as_sql()
            unbound = set(self.stand_ins.values()) - set(params)
            if unbound:  # an id Django did not pass as a parameter: refuse rather than run the stand-in
                raise ValueError(f"{self.build.__name__}: ids not in the query's parameters: {unbound}")
            self.compiled[using] = (sql, tuple(params))
        sql, params = self.compiled[using]
        by_stand_in = {self.stand_ins[name]: value for name, value in ids.items()}
        return sql, [by_stand_in.get(param, param) if type(param) is int else param for param in params]
