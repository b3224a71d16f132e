"""Headers as an ASGI server hands them over: every copy of a repeated header kept."""


class RepeatedHeaders(dict):
    """`get` answers the first copy (as Starlette's Headers do); `getlist` every copy."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        super().__init__(pairs[:1])
        self.pairs = pairs

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key.lower() == name.lower()]
