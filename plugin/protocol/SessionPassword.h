// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace Optiverse::Collab {

/**
 * The optional session password: read from a file (never from the command
 * line, where `ps` shows it), carried in the handshake header
 * Protocol::PasswordHeader and checked by the server in constant time.
 */
class SessionPassword
{
public:
    /// Reads the first line of @p path (trailing "\n" or "\r\n" stripped).
    /// Fails with a readable @p error if the file cannot be read or the line is empty.
    static bool readFile(const QString &path, QString *password, QString *error);

    /// The header value for @p password: percent-encoded UTF-8, so any
    /// character survives an HTTP header line.
    static QByteArray toHeader(const QString &password);

    /// True when @p headerValue (as sent by a client) carries @p expected.
    /// Runs in time independent of where the two differ and of their lengths.
    static bool matches(const QString &expected, const QByteArray &headerValue);
};

} // namespace Optiverse::Collab
