// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/iplugin.h>

#include <QObject>
#include <QPointer>
#include <memory>

class QAction;
class QMenu;

namespace Optiverse {
class ISessionHost;
}

namespace Optiverse::Collab {

class CollaborationDialog;
class HistoryPanel;
class EditAwareness;
class EditingPresence;
class FollowController;
class NoticeWidget;
class CollaborationSession;
class PresenceManager;
class StatusWidget;

/**
 * The plugin's root object. Adds the Collaboration menu, the Connect/Host
 * dialog and the status widget to the host, and removes them, in reverse
 * order, on shutdown.
 */
class CollaborationPlugin : public QObject, public Optiverse::IPlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID OPTIVERSE_IPLUGIN_IID FILE "../metadata.json")
    Q_INTERFACES(Optiverse::IPlugin)
public:
    CollaborationPlugin();
    ~CollaborationPlugin() override;

    bool initialize(Optiverse::IHost *host, const QStringList &arguments, QString *errorString) override;
    void shutdown() override;
    QString commandLineHelp() const override;

private:
    void openDialog();
    void openHistory();
    void updateActions();
    /// Window title and shutdown warning, for hosts with ISessionHost.
    void updateHostHints();

    Optiverse::IHost *m_host = nullptr;
    std::unique_ptr<CollaborationSession> m_session;
    std::unique_ptr<PresenceManager> m_presence;
    std::unique_ptr<EditAwareness> m_awareness;
    std::unique_ptr<EditingPresence> m_editing;
    std::unique_ptr<FollowController> m_follow;
    NoticeWidget *m_notice = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_connectAction = nullptr;
    QAction *m_disconnectAction = nullptr;
    QAction *m_reconnectAction = nullptr;
    QAction *m_historyAction = nullptr;
    Optiverse::ISessionHost *m_sessionHost = nullptr;
    StatusWidget *m_status = nullptr;
    QPointer<CollaborationDialog> m_dialog;
    QPointer<HistoryPanel> m_history;
};

} // namespace Optiverse::Collab
