// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QWebSocket>

/**
 * An honest participant: a Qt WebSocket client with the "seq" capability that
 * edits its own items in an add → move → update → remove cycle and records
 * every command the server relays (its own come back as acknowledgement), so
 * the test can check that nothing was lost, duplicated or reordered.
 */
class HonestPeer : public QObject
{
    Q_OBJECT
public:
    explicit HonestPeer(const QString &name, QObject *parent = nullptr);

    void open(quint16 port, const QString &session);
    bool waitJoined(int timeoutMs);
    QString name() const { return m_name; }

    /// Sends the next command of the cycle; returns its client_seq.
    qint64 sendNext();
    /// An update_item of this peer's "bulk" item carrying @p bytes of data.
    qint64 sendBulk(int bytes);
    qint64 sentCount() const { return m_clientSeq; }

    /// "user#client_seq" of every command relayed to this peer.
    QSet<QString> received;
    /// seq stamps in arrival order.
    QList<qint64> seqs;
    int rejected = 0;
    int errors = 0;
    bool joined = false;
    bool disconnected = false;
    QStringList usersJoined; ///< user:joined notices
    QStringList usersLeft;   ///< user:left notices
    QStringList ackUsers;    ///< users listed in connection:ack

private:
    qint64 send(const QString &action, const QString &itemId, const QJsonObject &data);
    void onText(const QString &text);

    const QString m_name;
    QWebSocket m_socket;
    qint64 m_clientSeq = 0;
    int m_step = 0;
    bool m_bulkAdded = false;
};
