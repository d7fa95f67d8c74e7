"""Errors of log roots, and one clear line for whatever a remote backend raised, with
no secret in it.

Backends raise very different things for the same cause (botocore ``ClientError``,
``PermissionError``, asyncssh ``PermissionDenied``, gcsfs ``HttpError``, aiohttp and
requests connection errors…). They are recognised by class name and message so this
module imports none of them.
"""

from __future__ import annotations

import re

from tfwatch.errors import TfwatchError


class SourceError(TfwatchError):
    """A root cannot be listed or read (missing, unreadable, server down)."""


class RootNotFound(SourceError):
    """A local root does not exist (yet): the app waits for it beside other roots."""


_CREDENTIAL_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "ExpiredToken",
    "InvalidToken",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "AuthorizationHeaderMalformed",
    "Forbidden",
    "Unauthorized",
)
_CREDENTIAL_CLASSES = (
    "PermissionError",
    "PermissionDenied",  # asyncssh
    "NoCredentialsError",
    "PartialCredentialsError",
    "DefaultCredentialsError",  # google.auth
    "RefreshError",
    "AccessControlException",
)
_CONNECTION_CLASSES = (
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "ConnectionLost",  # asyncssh
    "DisconnectError",
    "ChannelOpenError",
    "SFTPNoConnection",  # asyncssh: the session died with the server
    "SFTPConnectionLost",
    "ClientConnectorError",  # aiohttp
    "ServerDisconnectedError",
    "ClientOSError",
    "EndpointConnectionError",  # botocore
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "BrokenPipeError",
    "EOFError",
)
_HINTS = {
    "s3": "AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, "
    "or --storage-option key=… secret=…",
    "gs": "GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, "
    "or --storage-option token=…",
    "ssh": "keys in ~/.ssh, the SSH agent, or IdentityFile in ~/.ssh/config",
    "webhdfs": "--storage-option user=… or token=…, or Kerberos",
}


def _names(error: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(error).__mro__]


def is_credential_error(error: BaseException) -> bool:
    """Wrong, missing or expired credentials (not a server that is down)."""
    names = _names(error)
    if any(n in _CREDENTIAL_CLASSES for n in names):
        return True
    text = str(error)
    if any(code in text for code in _CREDENTIAL_CODES):
        return True
    code = getattr(error, "code", None)  # gcsfs HttpError
    return "HttpError" in names and code in (401, 403)


def is_connection_error(error: BaseException) -> bool:
    """The server could not be reached or dropped the connection."""
    names = _names(error)
    if any(n in _CONNECTION_CLASSES for n in names):
        return True
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and is_connection_error(cause)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def describe_error(root: str, protocol: str, error: BaseException, timeout: float) -> str:
    """``root: what went wrong`` in one line a user can act on."""
    if isinstance(error, TimeoutError) or "Timeout" in type(error).__name__:
        return f"{root}: no answer from the server within {timeout:g} s"
    if is_credential_error(error):
        hint = _HINTS.get({"s3a": "s3", "gcs": "gs", "sftp": "ssh"}.get(protocol, protocol))
        where = f" (check {hint})" if hint else ""
        return f"{root}: access denied: wrong or missing credentials{where}"
    if isinstance(error, FileNotFoundError):
        return f"{root}: no such bucket or directory"
    if is_connection_error(error):
        return f"{root}: cannot reach the server ({_first_line(error)})"
    return f"{root}: {_first_line(error)}"


def redact(message: str, secrets: tuple[str, ...]) -> str:
    """``message`` with every known secret and URL password replaced by ``***``."""
    for secret in secrets:
        message = message.replace(secret, "***")
    return re.sub(r"(://[^/@:\s]*):[^/@\s]*@", r"\1:***@", message)
