// SPDX-License-Identifier: MIT
#pragma once

#include "DiscoveredServer.h"
#include "DiscoveryConfig.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace Optiverse::Collab {

class BeaconListener;

/**
 * "Sessions on this network": the sessions LAN servers announce, live, for
 * the Connect page. Listens only while shown. A flood of beacons costs one
 * rebuild per BeaconListener::NotifyIntervalMs at most.
 */
class NetworkSessionList : public QWidget
{
    Q_OBJECT
public:
    /// After this long with nothing found, the list says multicast may be blocked.
    static constexpr int NothingFoundHintMs = 5000;

    explicit NetworkSessionList(DiscoveryConfig config = DiscoveryConfig::fromEnvironment(), QWidget *parent = nullptr);
    ~NetworkSessionList() override;

    /// Rows shown (one per session, or per server without sessions).
    int rowCount() const;
    /// Says what the user can do (or why the list is empty).
    QString hintText() const;
    /// Tells the user the fields were filled from @p server's announcement
    /// (and that its certificate fingerprint is trusted on first use).
    void showChosen(const DiscoveredServer &server, const QString &sessionId);
    /// The widget showing the rows (for tests and the dialog's layout).
    QTreeWidget *view() const { return m_view; }

signals:
    /// Double-click (or Return) on a row; @p sessionId is empty for a server without sessions.
    void sessionChosen(const Optiverse::Collab::DiscoveredServer &server, const QString &sessionId);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void rebuild();
    void activate(QTreeWidgetItem *item);
    void updateHint();

    DiscoveryConfig m_config;
    BeaconListener *m_listener = nullptr;
    QTreeWidget *m_view = nullptr;
    QLabel *m_hint = nullptr;
    QTimer m_nothingFound;
    QList<DiscoveredServer> m_servers;
    bool m_waitedLongEnough = false;
    QString m_listenError;
    QString m_chosenNote; // what was filled in from which announcement, until the list is hidden
};

} // namespace Optiverse::Collab
