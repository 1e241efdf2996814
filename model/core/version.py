"""AuditLoop's version: the one place it is written (issue 18).

`--version`, the About box, every data file (`app_info`), every report and `.auditloop`
export, the Windows executable's version resource and the MSI (through build.spec and
packaging/windows/AuditLoop.wxs's `-d Version=`) all read it from here. Bump it with an
entry in CHANGELOG.md. Plain text on purpose: build.spec and CI read it with a regex.
"""

__version__ = "0.1.0"
