// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QRandomGenerator>
#include <QString>
#include <QTcpSocket>

/**
 * A raw TCP client that writes hand-made HTTP and WebSocket frames, including
 * everything Qt's own client refuses to produce (bad handshakes, fragmented
 * or oversized control frames, invalid UTF-8, reserved bits, huge frames),
 * and records what the server answers: HTTP status, text messages, close
 * code and reason, disconnection.
 */
class HostileSocket : public QObject
{
    Q_OBJECT
public:
    enum Opcode : quint8 { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

    explicit HostileSocket(QObject *parent = nullptr);
    ~HostileSocket() override;

    /// Connects to 127.0.0.1, from @p source when given (any 127.x.y.z
    /// address is local on Linux: one attacker per address).
    void connectTo(quint16 port, const QHostAddress &source = {});
    /// Connects and sends a valid upgrade request for @p path.
    void open(quint16 port, const QByteArray &path, const QHostAddress &source = {});
    /// A GET upgrade request; fields can be left out or replaced to break it.
    static QByteArray upgradeRequest(quint16 port, const QByteArray &path, const QByteArray &extraHeaders = {},
                                     bool withKey = true, const QByteArray &version = "13");
    /// One frame as a client sends it (masked unless @p masked is false).
    QByteArray frame(quint8 opcode, const QByteArray &payload, bool fin = true, bool masked = true, quint8 rsv = 0);
    /// A frame header declaring @p length payload bytes (no payload).
    QByteArray frameHeader(quint8 opcode, quint64 length, bool fin, const QByteArray &maskKey);

    void write(const QByteArray &bytes) { m_socket.write(bytes); }
    void sendFrame(quint8 opcode, const QByteArray &payload, bool fin = true) { write(frame(opcode, payload, fin)); }
    void sendText(const QByteArray &utf8) { sendFrame(Text, utf8); }
    /// Stops reading: whatever the server sends piles up in the kernel.
    void stopReading();
    void abort() { m_socket.abort(); }

    bool waitConnected(int timeoutMs = 5000);
    /// Waits for the HTTP response (or the end of the connection).
    bool waitResponse(int timeoutMs = 5000);
    bool waitUpgraded(int timeoutMs = 5000) { return waitResponse(timeoutMs) && upgraded(); }
    /// Waits for a close frame or the end of the connection.
    bool waitClosed(int timeoutMs = 5000);
    bool waitDisconnected(int timeoutMs = 5000);
    /// Waits for a text message whose JSON "type" is @p type; returns it (or empty).
    QByteArray waitForType(const QByteArray &type, int timeoutMs = 5000);
    /// Sends a ping message and waits for the pong: the connection still serves.
    bool stillServes(int timeoutMs = 5000);

    bool upgraded() const { return httpStatus == 101; }
    QTcpSocket *socket() { return &m_socket; }

    int httpStatus = -1;           ///< from the status line; -1 if none arrived
    QByteArray response;           ///< the HTTP response head (and body, if any, for non-101)
    QList<QByteArray> texts;       ///< text messages received
    int closeCode = -1;            ///< from a received close frame (1005 if it had none)
    QString closeReason;
    bool disconnected = false;
    bool autoPong = true;          ///< answer the server's pings
    qint64 bytesSent = 0;          ///< handed to the kernel

private:
    void onReadyRead();
    void parseFrames();

    QTcpSocket m_socket;
    QRandomGenerator m_random;
    QByteArray m_buffer;
    QByteArray m_fragments;
    bool m_reading = true;
    bool m_headDone = false;
};
