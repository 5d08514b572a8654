// SPDX-License-Identifier: MIT
#include "CollaborationDialog.h"

#include "CollabServer.h"
#include "CertificateFingerprint.h"
#include "CollaborationSession.h"
#include "CollabClient.h"
#include "DiscoveredServer.h"
#include "NetworkSessionList.h"
#include "PluginOptions.h"
#include "Protocol.h"
#include "SessionUrl.h"
#include "StatusWidget.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkInterface>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace Optiverse::Collab {

namespace {
QString localIpAddress()
{
    for (const QHostAddress &a : QNetworkInterface::allAddresses())
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback() && !a.isLinkLocal())
            return a.toString();
    return QStringLiteral("127.0.0.1");
}

QLineEdit *passwordEdit(QWidget *parent, const QString &object)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(object);
    edit->setEchoMode(QLineEdit::Password);
    edit->setPlaceholderText(QObject::tr("optional"));
    return edit;
}

QLineEdit *nameEdit(QWidget *parent, const QString &object)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(object);
    edit->setMaxLength(Protocol::MaxNameLength);
    return edit;
}
} // namespace

CollaborationDialog::CollaborationDialog(CollaborationSession *session, int localItemCount, QWidget *parent)
    : CollaborationDialog(session, std::function<int()>([localItemCount] { return localItemCount; }), parent)
{
}

CollaborationDialog::CollaborationDialog(CollaborationSession *session, std::function<int()> localItemCount,
                                         QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_localItemCount(std::move(localItemCount))
{
    setObjectName(QStringLiteral("CollaborationDialog"));
    setWindowTitle(tr("Connect/Host Session"));
    m_canvasQuestion = [this](int count) {
        QMessageBox box(QMessageBox::Question, tr("Your canvas"),
                        tr("Your canvas has %n item(s).", nullptr, count), QMessageBox::Cancel, this);
        box.setInformativeText(tr("Add them to the session (everyone gets them; items the session already has "
                                  "keep its version), or replace your canvas with the session's scene (your "
                                  "items are removed from this window)?"));
        QPushButton *add = box.addButton(tr("&Add my %n item(s)", nullptr, count), QMessageBox::AcceptRole);
        QPushButton *replace = box.addButton(tr("&Replace with the session's scene"), QMessageBox::DestructiveRole);
        box.setDefaultButton(add);
        box.exec();
        if (box.clickedButton() == replace)
            return CanvasChoice::Replace;
        return box.clickedButton() == add ? CanvasChoice::AddToSession : CanvasChoice::Cancel;
    };
    m_rejoin = [this](int changes) {
        QMessageBox box(QMessageBox::Question, tr("Rejoin the session"),
                        tr("You changed %n item(s) since you left this session.", nullptr, changes), QMessageBox::Cancel,
                        this);
        box.setInformativeText(tr("Replace your canvas with the session's scene (your changes are discarded), "
                                  "or bring your changes into the session (everyone gets them)?"));
        QPushButton *replace = box.addButton(tr("&Replace with the session's scene"), QMessageBox::DestructiveRole);
        QPushButton *bring = box.addButton(tr("&Bring my %n change(s)", nullptr, changes), QMessageBox::AcceptRole);
        box.setDefaultButton(bring);
        box.exec();
        if (box.clickedButton() == replace)
            return RejoinChoice::Replace;
        return box.clickedButton() == bring ? RejoinChoice::BringChanges : RejoinChoice::Cancel;
    };

    m_hostRadio = new QRadioButton(tr("&Host server"), this);
    m_hostRadio->setObjectName(QStringLiteral("hostMode"));
    m_connectRadio = new QRadioButton(tr("C&onnect to server"), this);
    m_connectRadio->setObjectName(QStringLiteral("connectMode"));
    auto *modes = new QHBoxLayout;
    modes->addWidget(m_hostRadio);
    modes->addWidget(m_connectRadio);
    modes->addStretch();

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(buildHostPage());
    m_pages->addWidget(buildConnectPage());

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    m_error->setMargin(6);
    m_error->setAutoFillBackground(true);
    m_error->setFrameStyle(QFrame::Box | QFrame::Sunken); // drawn with Light/Dark: the accent below
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    updateErrorBannerColors();

    m_otherSessions = new QWidget(this);
    m_otherSessions->setObjectName(QStringLiteral("otherSessions"));
    m_otherSessionsText = new QLabel(m_otherSessions);
    m_otherSessionsText->setObjectName(QStringLiteral("otherSessionsText"));
    m_otherSessionsText->setWordWrap(true);
    m_joinOther = new QPushButton(m_otherSessions);
    m_joinOther->setObjectName(QStringLiteral("joinOtherSession"));
    connect(m_joinOther, &QPushButton::clicked, this, [this] {
        const CollabClient *client = m_session->client();
        if (client->otherSessions().isEmpty())
            return;
        setMode(Mode::Connect);
        m_serverUrl->setText(client->serverUrl().toString());
        m_connectSession->setText(client->otherSessions().constFirst().id);
        m_connectName->setText(client->requestedName());
        m_fingerprint->setText(QString::fromLatin1(client->pinnedCertificate().toHex(':').toUpper()));
        connectToServer();
    });
    auto *others = new QHBoxLayout(m_otherSessions);
    others->setContentsMargins(0, 0, 0, 0);
    others->addWidget(m_otherSessionsText, 1);
    others->addWidget(m_joinOther);
    m_otherSessions->setVisible(false);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(modes);
    layout->addWidget(m_pages);
    layout->addWidget(m_error);
    layout->addWidget(m_otherSessions);
    layout->addWidget(buttons);

    connect(m_hostRadio, &QRadioButton::toggled, this, [this](bool host) {
        m_pages->setCurrentIndex(host ? 0 : 1);
        showError(QString()); // before sizing: the other page's error goes with it
        updateForMode();
    });
    connect(m_session, &CollaborationSession::serverStateChanged, this, &CollaborationDialog::refreshServerState);
    // The share URL follows the fields while stopped.
    connect(m_port, &QSpinBox::valueChanged, this, &CollaborationDialog::refreshServerState);
    connect(m_listenAddress, &QComboBox::currentTextChanged, this, &CollaborationDialog::refreshServerState);
    connect(m_hostSession, &QLineEdit::textChanged, this, &CollaborationDialog::refreshServerState);
    connect(m_session->client(), &CollabClient::stateChanged, this, &CollaborationDialog::showClientError);
    connect(m_session->client(), &CollabClient::stateChanged, this, &CollaborationDialog::updateOtherSessions);
    connect(m_session->client(), &CollabClient::stateChanged, this, &CollaborationDialog::refreshServerState);
    connect(m_session->client(), &CollabClient::usersChanged, this, &CollaborationDialog::updateOtherSessions);
    loadSettings();
    refreshServerState();
    updateOtherSessions();
    if (!m_otherSessions->isHidden())
        setMode(Mode::Connect); // opened to join the others: the page that does
    updateForMode();
}

CollaborationDialog::~CollaborationDialog()
{
    // ~QDialog hides the dialog, which takes the focus from the URL field:
    // its editingFinished would call into this already destroyed class.
    m_serverUrl->disconnect(this);
}

QWidget *CollaborationDialog::buildHostPage()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout;
    m_listenAddress = new QComboBox(page);
    m_listenAddress->setObjectName(QStringLiteral("listenAddress"));
    m_listenAddress->setEditable(true);
    m_listenAddress->addItems({QString(Protocol::DefaultListenAddress), QStringLiteral("localhost")});
    m_listenAddress->setToolTip(tr("0.0.0.0: reachable from the LAN; localhost: this computer only"));
    m_listenAddress->setProperty("idleToolTip", m_listenAddress->toolTip());
    form->addRow(tr("&Listen Address:"), m_listenAddress);
    m_port = new QSpinBox(page);
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setRange(1, 65535);
    m_port->setValue(Protocol::DefaultPort);
    form->addRow(tr("&Port:"), m_port);
    m_hostSession = nameEdit(page, QStringLiteral("hostSession"));
    form->addRow(tr("Sess&ion ID:"), m_hostSession);
    m_hostName = nameEdit(page, QStringLiteral("hostName"));
    form->addRow(tr("Your &Name:"), m_hostName);
    m_hostPassword = passwordEdit(page, QStringLiteral("hostPassword"));
    form->addRow(tr("Pass&word:"), m_hostPassword);
    m_autoConnect = new QCheckBox(tr("&Auto-connect to my own session"), page);
    m_autoConnect->setObjectName(QStringLiteral("autoConnect"));
    m_autoConnect->setChecked(true);
    form->addRow(QString(), m_autoConnect);
    m_advertise = new QCheckBox(tr("Announce on this ne&twork"), page);
    m_advertise->setObjectName(QStringLiteral("advertise"));
    m_advertise->setChecked(true);
    m_advertise->setToolTip(tr("Others see the server, its sessions and their number of users in their Connect "
                               "page (never the password)"));
    form->addRow(QString(), m_advertise);
    m_useCanvas = new QRadioButton(tr("Use &current canvas"), page);
    m_useCanvas->setObjectName(QStringLiteral("useCanvas"));
    m_emptyCanvas = new QRadioButton(tr("Start with &empty canvas"), page);
    m_emptyCanvas->setObjectName(QStringLiteral("emptyCanvas"));
    m_useCanvas->setChecked(true);
    auto *canvas = new QVBoxLayout;
    canvas->addWidget(m_useCanvas);
    canvas->addWidget(m_emptyCanvas);
    form->addRow(tr("Canvas:"), canvas);
    connect(m_autoConnect, &QCheckBox::toggled, m_useCanvas, &QWidget::setEnabled);
    connect(m_autoConnect, &QCheckBox::toggled, m_emptyCanvas, &QWidget::setEnabled);

    m_startStop = new QPushButton(tr("&Start Server"), page);
    m_startStop->setObjectName(QStringLiteral("startStop"));
    m_startStop->setDefault(true);
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (m_session->isServerRunning())
            stopServer();
        else
            startServer();
    });
    m_serverStatus = new QLabel(page);
    m_serverStatus->setObjectName(QStringLiteral("serverStatus"));
    auto *run = new QHBoxLayout;
    run->addWidget(m_startStop);
    run->addWidget(m_serverStatus, 1);
    form->addRow(run);

    m_localIp = new QLabel(localIpAddress(), page);
    m_localIp->setObjectName(QStringLiteral("localIp"));
    m_localIp->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Local IP:"), m_localIp);
    m_shareUrl = new QLineEdit(page);
    m_shareUrl->setObjectName(QStringLiteral("shareUrl"));
    m_shareUrl->setReadOnly(true);
    m_copy = new QPushButton(tr("Cop&y"), page);
    m_copy->setObjectName(QStringLiteral("copyUrl"));
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_shareUrl->text()); });
    auto *share = new QHBoxLayout;
    share->addWidget(m_shareUrl, 1);
    share->addWidget(m_copy);
    form->addRow(tr("URL to share:"), share);
    page->setLayout(form);
    return page;
}

QWidget *CollaborationDialog::buildConnectPage()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    m_networkSessions = new NetworkSessionList(DiscoveryConfig::fromEnvironment(), page);
    auto *found = new QGroupBox(tr("Sessions on this network"), page);
    auto *foundLayout = new QVBoxLayout(found);
    foundLayout->addWidget(m_networkSessions);
    form->addRow(found);
    connect(m_networkSessions, &NetworkSessionList::sessionChosen, this, &CollaborationDialog::useNetworkSession);
    m_serverUrl = new QLineEdit(page);
    m_serverUrl->setObjectName(QStringLiteral("serverUrl"));
    m_serverUrl->setPlaceholderText(tr("ws://192.168.1.100:8765"));
    form->addRow(tr("Server &URL:"), m_serverUrl);
    m_connectSession = nameEdit(page, QStringLiteral("connectSession"));
    form->addRow(tr("Sess&ion ID:"), m_connectSession);
    m_connectName = nameEdit(page, QStringLiteral("connectName"));
    form->addRow(tr("Your &Name:"), m_connectName);
    m_connectPassword = passwordEdit(page, QStringLiteral("connectPassword"));
    form->addRow(tr("Pass&word:"), m_connectPassword);
    m_fingerprint = new QLineEdit(page);
    m_fingerprint->setObjectName(QStringLiteral("certFingerprint"));
    m_fingerprint->setPlaceholderText(tr("optional: SHA-256 printed by the server, AB:CD:…"));
    m_fingerprint->setToolTip(tr("Trust exactly this certificate (e.g. a self-signed one), as printed by "
                                 "optiverse-collab-server at start"));
    form->addRow(tr("Certificate &fingerprint:"), m_fingerprint);
    // Only wss:// has a certificate.
    const auto showPin = [this, form] {
        form->setRowVisible(m_fingerprint, m_serverUrl->text().trimmed().startsWith(QLatin1String("wss://"), Qt::CaseInsensitive));
    };
    connect(m_serverUrl, &QLineEdit::textChanged, this, showPin);
    // A pasted (or dropped) URL is taken apart at once, a typed one when the
    // field is left: typing ".../ws/lab/b" must not fill the fields with "b".
    connect(m_serverUrl, &QLineEdit::textEdited, this, [this](const QString &text) {
        // The complaint about the URL goes once it is right.
        QUrl url;
        QString session, user, error;
        if (m_urlErrorShown && SessionUrl::parseJoinUrl(text, &url, &session, &user, &error))
            showError(QString());
        if (text.size() - std::exchange(m_urlLength, text.size()) > 1)
            takeSessionPath();
    });
    connect(m_serverUrl, &QLineEdit::editingFinished, this, &CollaborationDialog::takeSessionPath);
    // The padlocked server chosen from the list is forgotten when the URL no
    // longer names it.
    connect(m_serverUrl, &QLineEdit::textChanged, this, [this] {
        if (!isPasswordServer(m_serverUrl->text()))
            setPasswordServer(QUrl(), QString());
    });
    showPin();
    m_connectButton = new QPushButton(tr("&Connect"), page);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_connectButton->setDefault(true);
    connect(m_connectButton, &QPushButton::clicked, this, &CollaborationDialog::connectToServer);
    form->addRow(QString(), m_connectButton);
    return page;
}

void CollaborationDialog::setMode(Mode mode)
{
    (mode == Mode::Host ? m_hostRadio : m_connectRadio)->setChecked(true);
}

CollaborationDialog::Mode CollaborationDialog::mode() const
{
    return m_hostRadio->isChecked() ? Mode::Host : Mode::Connect;
}

QString CollaborationDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void CollaborationDialog::showError(const QString &text)
{
    m_urlErrorShown = false;
    m_error->setText(text);
    if (m_error->isHidden() == text.isEmpty())
        return;
    m_error->setVisible(!text.isEmpty());
    // Grow or shrink below the fields (they stay where they are) instead of
    // squeezing them, or leaving a gap where the banner was.
    if (isVisible()) {
        layout()->activate();
        resize(width(), std::max(minimumSizeHint().height(), sizeHint().height()));
    }
}

void CollaborationDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    showClientError();
}

void CollaborationDialog::showClientError()
{
    // Why the last connection failed, beside the fields that may fix it.
    const CollabClient *client = m_session->client();
    if (client->state() == CollabClient::State::Disconnected && !client->lastError().isEmpty())
        showError(tr("Error: %1").arg(client->lastError()));
}

void CollaborationDialog::takeSessionPath()
{
    // Anything SessionUrl does not accept stays as typed: Connect says why.
    QUrl server;
    QString session, user, error;
    if (!SessionUrl::parseJoinUrl(m_serverUrl->text(), &server, &session, &user, &error) || session.isEmpty())
        return;
    m_serverUrl->setText(server.toString());
    m_urlLength = m_serverUrl->text().size();
    m_connectSession->setText(session);
    if (!user.isEmpty())
        m_connectName->setText(user);
}

void CollaborationDialog::updateOtherSessions()
{
    const QString text = StatusWidget::newSessionText(m_session->client());
    if (text.isEmpty() == m_otherSessions->isHidden())
        return;
    if (!text.isEmpty()) {
        m_otherSessionsText->setText(text);
        m_joinOther->setText(tr("Join %1").arg(m_session->client()->otherSessions().constFirst().id));
    } else {
        m_otherSessionsText->clear();
    }
    m_otherSessions->setVisible(!text.isEmpty());
    if (isVisible()) {
        layout()->activate();
        resize(width(), std::max(minimumSizeHint().height(), sizeHint().height()));
    }
}

bool CollaborationDialog::validateIdentity(QLineEdit *session, QLineEdit *name)
{
    QString error;
    if (!SessionUrl::validateName(session->text(), tr("Session ID"), &error)) {
        showError(error);
        session->setFocus();
        return false;
    }
    if (!SessionUrl::validateName(name->text(), tr("Your Name"), &error)) {
        showError(error);
        name->setFocus();
        return false;
    }
    return true;
}

void CollaborationDialog::startServer()
{
    showError(QString());
    const bool join = m_autoConnect->isChecked();
    if (join && !validateIdentity(m_hostSession, m_hostName))
        return;
    QString text = m_listenAddress->currentText().trimmed();
    if (text == QLatin1String("localhost"))
        text = QStringLiteral("127.0.0.1");
    QHostAddress address;
    if (!address.setAddress(text)) {
        showError(tr("Listen Address must be an IP address such as 0.0.0.0, or localhost"));
        m_listenAddress->setFocus();
        return;
    }
    m_session->setAdvertising(m_advertise->isChecked(), m_hostName->text().trimmed());
    QString error;
    if (!m_session->startServer(address, quint16(m_port->value()), &error, m_hostPassword->text())) {
        showError(tr("Could not start the server: %1").arg(error));
        return;
    }
    saveSettings();
    if (join) {
        const bool share = m_useCanvas->isChecked();
        m_session->join(m_session->localServerUrl(), m_hostSession->text().trimmed(), m_hostName->text().trimmed(),
                        share ? SyncManager::JoinMode::ShareLocalScene : SyncManager::JoinMode::ReplaceLocalScene,
                        m_hostPassword->text());
    }
    refreshServerState();
}

void CollaborationDialog::stopServer()
{
    m_session->shutdown();
    refreshServerState();
}

void CollaborationDialog::connectToServer()
{
    showError(QString());
    takeSessionPath();
    QUrl url;
    QString error, urlSession, urlUser;
    if (!SessionUrl::parseJoinUrl(m_serverUrl->text(), &url, &urlSession, &urlUser, &error)) {
        showError(error);
        m_urlErrorShown = true;
        m_serverUrl->setFocus();
        return;
    }
    if (!validateIdentity(m_connectSession, m_connectName))
        return;
    // However Connect was triggered (Return on a list row also presses the
    // default button): a server that announces a password is not tried without.
    if (isPasswordServer(m_serverUrl->text()) && m_connectPassword->text().isEmpty()) {
        showError(tr("%1 requires a password: type it and press Connect.").arg(m_passwordServerName));
        m_connectPassword->setFocus();
        return;
    }
    QByteArray pin;
    if (url.scheme() == QLatin1String("wss") && !m_fingerprint->text().trimmed().isEmpty()
        && !CertificateFingerprint::parse(m_fingerprint->text(), &pin, &error)) {
        showError(tr("Certificate fingerprint: %1").arg(error));
        m_fingerprint->setFocus();
        return;
    }
    SyncManager::JoinMode joinMode = SyncManager::JoinMode::ReplaceLocalScene;
    const CollabClient *client = m_session->client();
    const SyncManager *sync = m_session->sync();
    const bool rejoining = sync->participation() == SyncManager::Participation::Left && client->serverUrl() == url
        && client->session() == m_connectSession->text().trimmed();
    if (const int changes = sync->localChangeCount(); rejoining && changes > 0) {
        // Back to the session left on purpose, with changes: ask what they are.
        switch (m_rejoin(changes)) {
        case RejoinChoice::Cancel: return;
        case RejoinChoice::Replace: break;
        case RejoinChoice::BringChanges: joinMode = SyncManager::JoinMode::BringLocalChanges; break;
        }
    } else if (const int count = m_localItemCount ? m_localItemCount() : 0; count > 0) {
        switch (m_canvasQuestion(count)) {
        case CanvasChoice::Cancel: return;
        case CanvasChoice::Replace: break;
        case CanvasChoice::AddToSession: joinMode = SyncManager::JoinMode::AddLocalScene; break;
        }
    }
    saveSettings();
    m_session->join(url, m_connectSession->text().trimmed(), m_connectName->text().trimmed(), joinMode,
                    m_connectPassword->text(), pin);
    accept();
}

void CollaborationDialog::useNetworkSession(const DiscoveredServer &server, const QString &sessionId)
{
    showError(QString());
    m_serverUrl->setText(server.url().toString());
    if (!sessionId.isEmpty())
        m_connectSession->setText(sessionId);
    m_fingerprint->setText(server.beacon.fingerprint); // trust on first use, and the list says so
    setPasswordServer(server.beacon.passwordRequired ? server.url() : QUrl(), server.beacon.name);
    m_networkSessions->showChosen(server, sessionId);
    if (sessionId.isEmpty()) {
        m_connectSession->setFocus();
        return;
    }
    if (server.beacon.passwordRequired && m_connectPassword->text().isEmpty()) {
        showError(tr("%1 requires a password: type it and press Connect.").arg(server.beacon.name));
        m_connectPassword->setFocus();
        return;
    }
    connectToServer();
}

void CollaborationDialog::setPasswordServer(const QUrl &url, const QString &name)
{
    m_passwordServer = url;
    m_passwordServerName = name;
    m_connectPassword->setPlaceholderText(url.isEmpty() ? tr("optional") : tr("required by this server"));
}

bool CollaborationDialog::isPasswordServer(const QString &text) const
{
    if (m_passwordServer.isEmpty())
        return false;
    QUrl url;
    QString session, user, error;
    return SessionUrl::parseJoinUrl(text, &url, &session, &user, &error) && url.host() == m_passwordServer.host()
        && url.port() == m_passwordServer.port() && url.scheme() == m_passwordServer.scheme();
}

void CollaborationDialog::updateForMode()
{
    // Return triggers the visible page's action; only one button may be the default.
    (mode() == Mode::Host ? m_startStop : m_connectButton)->setDefault(true);
    // Size to the visible page: the stack would otherwise keep the taller page's height.
    for (int i = 0; i < m_pages->count(); ++i)
        m_pages->widget(i)->setSizePolicy(QSizePolicy::Preferred,
                                          i == m_pages->currentIndex() ? QSizePolicy::Preferred : QSizePolicy::Ignored);
    m_pages->updateGeometry(); // a hidden page's policy change does not reach the layout by itself
    adjustSize();
}

void CollaborationDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        updateErrorBannerColors();
}

void CollaborationDialog::updateErrorBannerColors()
{
    // The host's own text colour on its window colour tinted with red, framed in
    // red: readable in light and dark palettes alike, and still unmistakably an error.
    const QPalette base = palette();
    const QColor window = base.color(QPalette::Window);
    const QColor accent = window.lightness() < 128 ? QColor(0xf2, 0x8b, 0x82) : QColor(0xb3, 0x26, 0x1e);
    const auto mix = [](const QColor &a, const QColor &b, double t) {
        return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                                float(a.blueF() * (1 - t) + b.blueF() * t));
    };
    QPalette pal = m_error->palette();
    pal.setColor(QPalette::Window, mix(window, accent, 0.18));
    pal.setColor(QPalette::WindowText, base.color(QPalette::WindowText));
    pal.setColor(QPalette::Light, accent); // the Box frame
    pal.setColor(QPalette::Dark, accent);
    m_error->setPalette(pal);
}

void CollaborationDialog::refreshServerState()
{
    const bool running = m_session->isServerRunning();
    m_startStop->setText(running ? tr("&Stop Server") : tr("&Start Server"));
    // What the running server and its session were started with cannot change
    // under them: locked, and the tooltip says why.
    const QList<QWidget *> locked{m_listenAddress, m_port, m_hostSession, m_hostName, m_hostPassword, m_autoConnect, m_advertise};
    for (QWidget *w : locked) {
        w->setEnabled(!running);
        w->setToolTip(running ? tr("Stop the server to change this") : w->property("idleToolTip").toString());
    }
    for (QWidget *w : {static_cast<QWidget *>(m_useCanvas), static_cast<QWidget *>(m_emptyCanvas)}) {
        w->setEnabled(!running && m_autoConnect->isChecked());
        w->setToolTip(running ? tr("Stop the server to change this") : QString());
    }
    if (running) {
        showRunningServer();
        const QStringList urls = m_session->shareUrls();
        m_shareUrl->setText(urls.isEmpty() ? QString() : SessionUrl::shareUrl(urls.constFirst(), shareSession()));
        m_serverStatus->setText(tr("Running on port %1").arg(m_session->server()->port()));
    } else {
        // What the URL will be with the fields as they are now.
        // (as CollabServer::shareUrls() will say once it runs).
        const QString text = m_listenAddress->currentText().trimmed();
        const QHostAddress bound(text == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : text);
        QString host = m_localIp->text();
        if (bound.isLoopback())
            host = QStringLiteral("127.0.0.1");
        else if (!bound.isNull() && bound != QHostAddress::AnyIPv4 && bound != QHostAddress::Any)
            host = bound.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(bound.toString())
                                                                     : bound.toString();
        m_shareUrl->setText(SessionUrl::shareUrl(QStringLiteral("ws://%1:%2").arg(host).arg(m_port->value()),
                                                 shareSession()));
        m_serverStatus->setText(tr("Stopped"));
    }
    m_copy->setEnabled(running);
}

void CollaborationDialog::showRunningServer()
{
    // The locked fields show what the server runs with, even when it was
    // started without this dialog (--collab-host) or with other values saved.
    // No refresh from within the refresh.
    const QSignalBlocker a(m_listenAddress), p(m_port), s(m_hostSession), n(m_hostName), d(m_advertise);
    const CollabServer *server = m_session->server();
    const QHostAddress address = server->address();
    m_listenAddress->setCurrentText(address == QHostAddress::Any || address == QHostAddress::AnyIPv4
                                        ? QString(Protocol::DefaultListenAddress)
                                        : address.toString());
    m_port->setValue(server->port());
    m_advertise->setChecked(server->isAdvertising());
    const CollabClient *client = m_session->client();
    if (client->state() != CollabClient::State::Disconnected && client->serverUrl() == m_session->localServerUrl()) {
        m_hostSession->setText(client->session());
        m_hostName->setText(client->requestedName());
    }
}

QString CollaborationDialog::shareSession() const
{
    // The session this user hosts on the running server, which may have
    // been started without this dialog (--collab-host).
    const CollabClient *client = m_session->client();
    if (m_session->isServerRunning() && client->state() != CollabClient::State::Disconnected
        && client->serverUrl() == m_session->localServerUrl())
        return client->session();
    // While the Session ID is not valid, the URL shows the server alone.
    const QString session = m_hostSession->text().trimmed();
    QString error;
    return SessionUrl::validateName(session, QString(), &error) ? session : QString();
}

void CollaborationDialog::loadSettings()
{
    QSettings s;
    s.beginGroup(QStringLiteral("collaboration"));
    const QString name = s.value(QStringLiteral("name"), PluginOptions::defaultUserName()).toString();
    const QString session = s.value(QStringLiteral("session"), QString(Protocol::DefaultSession)).toString();
    m_hostName->setText(name);
    m_connectName->setText(name);
    m_hostSession->setText(session);
    m_connectSession->setText(session);
    m_serverUrl->setText(s.value(QStringLiteral("serverUrl")).toString());
    m_fingerprint->setText(s.value(QStringLiteral("certFingerprint")).toString()); // public; passwords are never saved
    m_listenAddress->setCurrentText(s.value(QStringLiteral("listenAddress"), QString(Protocol::DefaultListenAddress)).toString());
    m_port->setValue(s.value(QStringLiteral("port"), Protocol::DefaultPort).toInt());
    m_autoConnect->setChecked(s.value(QStringLiteral("autoConnect"), true).toBool());
    m_advertise->setChecked(s.value(QStringLiteral("advertise"), true).toBool());
    (s.value(QStringLiteral("emptyCanvas"), false).toBool() ? m_emptyCanvas : m_useCanvas)->setChecked(true);
    setMode(s.value(QStringLiteral("mode")).toString() == QLatin1String("connect") ? Mode::Connect : Mode::Host);
    m_pages->setCurrentIndex(mode() == Mode::Host ? 0 : 1);
}

void CollaborationDialog::saveSettings() const
{
    QSettings s;
    s.beginGroup(QStringLiteral("collaboration"));
    const bool host = mode() == Mode::Host;
    s.setValue(QStringLiteral("mode"), host ? QStringLiteral("host") : QStringLiteral("connect"));
    s.setValue(QStringLiteral("name"), (host ? m_hostName : m_connectName)->text().trimmed());
    s.setValue(QStringLiteral("session"), (host ? m_hostSession : m_connectSession)->text().trimmed());
    if (host) {
        s.setValue(QStringLiteral("listenAddress"), m_listenAddress->currentText().trimmed());
        s.setValue(QStringLiteral("port"), m_port->value());
        s.setValue(QStringLiteral("autoConnect"), m_autoConnect->isChecked());
        s.setValue(QStringLiteral("advertise"), m_advertise->isChecked());
        s.setValue(QStringLiteral("emptyCanvas"), m_emptyCanvas->isChecked());
    } else {
        s.setValue(QStringLiteral("serverUrl"), m_serverUrl->text().trimmed());
        s.setValue(QStringLiteral("certFingerprint"), m_fingerprint->text().trimmed());
    }
}

} // namespace Optiverse::Collab
