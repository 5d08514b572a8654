// SPDX-License-Identifier: MIT
#pragma once

#include "EnglishPlurals.h"

#include <QDialog>
#include <QUrl>
#include <functional>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QStackedWidget;

namespace Optiverse::Collab {

class CollaborationSession;
class NetworkSessionList;
struct DiscoveredServer;

/**
 * Collaboration → Connect/Host Session…: host a server (and join it) or
 * connect to one. Everything is validated inline before anything is tried;
 * the last values are remembered.
 */
class CollaborationDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Mode { Host, Connect };

    CollaborationDialog(CollaborationSession *session, int localItemCount, QWidget *parent = nullptr);
    /// The dialog is modeless: count the canvas when Connect is pressed, not when opened.
    CollaborationDialog(CollaborationSession *session, std::function<int()> localItemCount, QWidget *parent = nullptr);
    ~CollaborationDialog() override;

    void setMode(Mode mode);
    Mode mode() const;
    /// What the user chose for a non-empty canvas when connecting.
    enum class CanvasChoice { Cancel, Replace, AddToSession };
    /// Asked before connecting with a non-empty canvas (@p itemCount items):
    /// replace it with the session's scene, or add its items to the session.
    /// The default shows a question box; tests replace it.
    void setCanvasQuestion(std::function<CanvasChoice(int itemCount)> ask) { m_canvasQuestion = std::move(ask); }
    /// What the user chose when rejoining the session they left with changes.
    enum class RejoinChoice { Cancel, Replace, BringChanges };
    /// Asked instead when the user rejoins the session they left on purpose
    /// and changed the canvas since (@p changes items); tests replace it.
    void setRejoinQuestion(std::function<RejoinChoice(int changes)> ask) { m_rejoin = std::move(ask); }
    /// The last validation or start error shown inline (empty when none).
    QString errorText() const;

    // Host page
    void startServer();
    void stopServer();
    // Connect page
    void connectToServer();

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildHostPage();
    QWidget *buildConnectPage();
    void refreshServerState();
    /// Fills the Host page's locked fields from the running server.
    void showRunningServer();
    void updateForMode();
    void updateErrorBannerColors();
    void showError(const QString &text);
    void loadSettings();
    void saveSettings() const;
    bool validateIdentity(QLineEdit *session, QLineEdit *name);
    /// A pasted ws://HOST:PORT/ws/<session>[/<user>]: the path fills the
    /// Session (and Name) fields and leaves the URL.
    void takeSessionPath();
    void showClientError();
    /// Alone in a new session while the server has others with members:
    /// offers to join the busiest one.
    void updateOtherSessions();
    /// The session the share URL carries: the one hosted on the running
    /// server, else the Host page's Session ID when valid.
    QString shareSession() const;
    void useNetworkSession(const DiscoveredServer &server, const QString &sessionId);
    /// Remembers a server chosen from the list that requires a password (an
    /// empty @p url: none); the Password field's placeholder says so.
    void setPasswordServer(const QUrl &url, const QString &name);
    /// Whether @p text names the remembered server.
    bool isPasswordServer(const QString &text) const;

    EnglishPlurals::Handle m_plurals;
    CollaborationSession *m_session;
    std::function<RejoinChoice(int)> m_rejoin;
    std::function<int()> m_localItemCount;
    std::function<CanvasChoice(int)> m_canvasQuestion;

    QRadioButton *m_hostRadio = nullptr;
    QRadioButton *m_connectRadio = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_error = nullptr;
    QWidget *m_otherSessions = nullptr; // "Session 'x' is new…" with "Join lab"
    QLabel *m_otherSessionsText = nullptr;
    QPushButton *m_joinOther = nullptr;

    QComboBox *m_listenAddress = nullptr;
    QSpinBox *m_port = nullptr;
    QCheckBox *m_autoConnect = nullptr;
    QLineEdit *m_hostSession = nullptr;
    QLineEdit *m_hostName = nullptr;
    QRadioButton *m_useCanvas = nullptr;
    QRadioButton *m_emptyCanvas = nullptr;
    QPushButton *m_startStop = nullptr;
    QLabel *m_serverStatus = nullptr;
    QLabel *m_localIp = nullptr;
    QLineEdit *m_shareUrl = nullptr;
    QPushButton *m_copy = nullptr;

    QLineEdit *m_serverUrl = nullptr;
    qsizetype m_urlLength = 0; // to tell a paste from typing
    QLineEdit *m_connectSession = nullptr;
    QLineEdit *m_connectName = nullptr;
    QPushButton *m_connectButton = nullptr;

    // Session password (never saved) and certificate pin (wss:// only).
    QLineEdit *m_hostPassword = nullptr;
    QLineEdit *m_connectPassword = nullptr;
    QUrl m_passwordServer; // chosen from the list, announces that it requires a password
    QString m_passwordServerName;
    bool m_urlErrorShown = false; // the banner complains about the Server URL
    QLineEdit *m_fingerprint = nullptr;

    // LAN discovery: announce our server; list the sessions others announce.
    QCheckBox *m_advertise = nullptr;
    NetworkSessionList *m_networkSessions = nullptr;
};

} // namespace Optiverse::Collab
