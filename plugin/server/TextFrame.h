// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayList>

namespace Optiverse::Collab {

/**
 * A WebSocket text message from the server, framed ahead of time (RFC 6455
 * §5.2: one final, unmasked text frame).
 *
 * QWebSocket::sendTextMessage() converts a QString to UTF-8 and copies it
 * into the frame on the thread that sends: for a 1.4 MB history scene that
 * is ~20 ms in which no session relays anything. A TextFrame is built from
 * UTF-8 that a worker thread already wrote, from parts that stay shared (a
 * cached reply plus the few bytes that differ per request), and is written
 * to the TCP socket as is. Reentrant: build it on any thread.
 */
class TextFrame
{
public:
    /// The message is the concatenation of @p utf8Parts (valid UTF-8 as a whole).
    explicit TextFrame(QByteArrayList utf8Parts);

    /// Header then payload parts, in the order they go on the wire.
    const QByteArrayList &wireParts() const { return m_parts; }
    /// Bytes on the wire, header included.
    qint64 wireSize() const { return m_wireSize; }
    /// The message as text (for sockets this cannot be written to directly).
    QString text() const;

private:
    QByteArrayList m_parts;
    qint64 m_wireSize = 0;
};

} // namespace Optiverse::Collab
