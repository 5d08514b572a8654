// SPDX-License-Identifier: MIT
// Helpers shared by the server tests: a recording WebSocket client and a raw
// TCP client that speaks just enough WebSocket to misbehave on purpose.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTcpSocket>
#include <QWebSocket>

namespace TestSupport {

/// A WebSocket client that records every message it receives.
class Client : public QObject
{
    Q_OBJECT
public:
    /// @p capabilities is sent as X-Optiverse-Capabilities unless null
    /// (an original client sends no header).
    /// @p origin non-empty: the handshake carries that Origin header.
    explicit Client(const QString &origin = {}, QObject *parent = nullptr);
    void open(quint16 port, const QString &session, const QString &user,
              const QByteArray &capabilities = QByteArrayLiteral("seq, presence"));
    void openPath(quint16 port, const QString &path, const QByteArray &capabilities = {});

    bool waitConnected(int timeoutMs = 5000);
    bool waitDisconnected(int timeoutMs = 5000);
    /// Waits until at least @p count messages of @p type were received.
    bool waitFor(const QString &type, int count = 1, int timeoutMs = 5000);

    void send(const QJsonObject &message);
    void sendText(const QString &text);

    QList<QJsonObject> ofType(const QString &type) const;
    int count(const QString &type) const { return int(ofType(type).size()); }
    QJsonObject last(const QString &type) const;
    QJsonObject ack() const { return last(QStringLiteral("connection:ack")); }
    QString userId() const { return ack().value(QLatin1String("user_id")).toString(); }
    /// Sends @p request (a history request) with a fresh request_id and
    /// waits for the reply or error carrying it; empty after @p timeoutMs.
    QJsonObject ask(QJsonObject request, int timeoutMs = 10000);
    /// Seq stamps of the received "command" messages, in arrival order.
    QList<qint64> commandSeqs() const;

    QWebSocket socket;
    QList<QJsonObject> messages;
    bool connected = false;
    bool disconnected = false;
    int closeCode = -1;
    QString closeReason;

private:
    int m_requests = 0;
};

/// A raw TCP WebSocket client: hand-made handshake, unmasked-key frames,
/// optional "never read" mode for slow-reader tests.
class RawClient : public QObject
{
    Q_OBJECT
public:
    explicit RawClient(QObject *parent = nullptr);
    /// Connects and sends the upgrade request for @p path.
    void open(quint16 port, const QString &path, const QByteArray &extraHeaders = {});
    bool waitUpgraded(int timeoutMs = 5000);
    /// Stops reading after the handshake: the server's data piles up.
    void stopReading();
    void sendText(const QByteArray &utf8);
    void sendBinary(const QByteArray &data);

    QTcpSocket socket;
    QByteArray response;            // the HTTP upgrade response
    bool upgraded = false;
    bool autoPong = true;           // answer server pings
    QList<QByteArray> texts;        // received text messages
    int closeCode = -1;             // from a received close frame
    QString closeReason;
    bool disconnected = false;

private:
    void onReadyRead();
    void parseFrames();
    void sendFrame(quint8 opcode, const QByteArray &payload);
    QByteArray m_buffer;
    bool m_reading = true;
};

/// {"type":"command","command":{...}} with optional client_seq.
QJsonObject command(const QString &action, const QString &itemId, const QJsonObject &data = {},
                    const QString &itemType = QStringLiteral("lens"), qint64 clientSeq = -1);
QJsonObject parseObject(const QByteArray &utf8);

} // namespace TestSupport
